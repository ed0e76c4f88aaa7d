"""Reproducible report runs: papermill execution, manifests, HTML, the ``cxlab run`` command."""
