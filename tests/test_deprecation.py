"""Renamed parameters: the old name still works for one release, with a DeprecationWarning."""

from __future__ import annotations

import warnings

import pytest

import cxlab
from cxlab._deprecation import alpha_to_confidence, renamed_parameter
from cxlab.exceptions import ParameterError

pytestmark = pytest.mark.filterwarnings("ignore:aimed at the caller")


class _Aimed(UserWarning):
    """A warning the decorated function aims at its caller."""


@renamed_parameter("n_boot", "n_bootstrap")
def _resample(*, n_bootstrap=100):
    warnings.warn("aimed at the caller", _Aimed, stacklevel=2)
    return n_bootstrap


@renamed_parameter("alpha", "confidence", transform=alpha_to_confidence)
def _interval(*, confidence=0.95):
    return confidence


def test_the_old_name_is_mapped_with_a_deprecation_warning():
    with pytest.warns(
        DeprecationWarning, match=r"_resample\(\): n_boot= is deprecated.*n_bootstrap="
    ):
        assert _resample(n_boot=7) == 7


def test_alpha_becomes_the_confidence_level():
    with pytest.warns(DeprecationWarning, match="alpha="):
        assert _interval(alpha=0.05) == 0.95
    assert alpha_to_confidence(0.1) == 0.9


def test_both_names_at_once_is_an_error():
    with pytest.raises(ParameterError, match="got n_boot= and n_bootstrap=.*not both"):
        _resample(n_boot=5, n_bootstrap=5)


def test_the_new_name_gives_no_deprecation_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert _resample(n_bootstrap=3) == 3


def test_warnings_of_the_function_still_point_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _resample(n_bootstrap=3)
    assert [w.filename for w in caught] == [__file__]


def test_renamed_parameters_are_listed_and_the_signature_shows_the_new_name():
    import inspect

    assert _resample.__deprecated_parameters__ == {"n_boot": "n_bootstrap"}
    assert list(inspect.signature(_resample).parameters) == ["n_bootstrap"]


@pytest.mark.parametrize(
    ("call", "old", "new"),
    [
        (lambda kw: cxlab.nps([9] * 40 + [3] * 10, **kw), {"level": 0.9}, {"confidence": 0.9}),
        (lambda kw: cxlab.ChurnModel(**kw).confidence, {"alpha": 0.1}, {"confidence": 0.9}),
        (lambda kw: cxlab.KaplanMeier(**kw).confidence, {"alpha": 0.1}, {"confidence": 0.9}),
        (lambda kw: cxlab.ValueModel(**kw).n_bootstrap, {"n_boot": 50}, {"n_bootstrap": 50}),
        (
            lambda kw: cxlab.simulate(50, **kw).events.shape,
            {"seed": 3},
            {"random_state": 3},
        ),
    ],
)
def test_package_functions_accept_their_old_names(call, old, new):
    with pytest.warns(DeprecationWarning, match=f"{next(iter(old))}= is deprecated"):
        before = call(old)
    after = call(new)
    assert str(before) == str(after)
