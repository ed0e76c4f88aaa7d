# Convenience wrappers around dev.py (which needs only Python 3.11).
.PHONY: report test lab env bench
report:  ## build .venv if needed, run every notebook on the demo data into reports/demo
	python3 dev.py report
test:    ## build .venv if needed, run ruff and the whole test suite
	python3 dev.py test
lab:     ## build .venv if needed, start JupyterLab with the cxlab kernel
	python3 dev.py lab
env:     ## only build .venv
	python3 dev.py env
bench:   ## print the benchmark table (full size; takes minutes)
	python3 dev.py env && .venv/bin/python benchmarks/run.py
