"""The public API of the ``generator`` package."""

from __future__ import annotations

import importlib

import pytest

import generator

PUBLIC = (
    "generate",
    "cross_section",
    "load_card",
    "run_card",
    "yields_vs_coupling",
    "ScalarModel",
    "RunConfig",
    "__version__",
)


#: The whole public API, written out: adding or dropping a name is a decision that changes this list.
EXPECTED_ALL = [
    "CrossSection",
    "RunConfig",
    "ScalarModel",
    "Target",
    "__version__",
    "cross_section",
    "generate",
    "load_card",
    "run_card",
    "run_config",
    "scan_config",
    "yields_vs_coupling",
]


def test_public_list_is_the_expected_one():
    assert sorted(generator.__all__) == EXPECTED_ALL
    assert len(set(generator.__all__)) == len(generator.__all__), "duplicate names in __all__"
    assert sorted(dir(generator)) == EXPECTED_ALL


@pytest.mark.parametrize("name", EXPECTED_ALL)
def test_every_public_name_resolves(name):
    # the lazy module __getattr__ must know every listed name (a typo in its table fails here)
    assert getattr(generator, name) is not None


def test_star_import():
    namespace: dict[str, object] = {}
    exec("from generator import *", namespace)  # noqa: S102
    namespace.pop("__builtins__")
    assert sorted(namespace) == EXPECTED_ALL
    assert all(namespace[n] is getattr(generator, n) for n in EXPECTED_ALL)


def test_unknown_name_is_an_attribute_error():
    assert not hasattr(generator, "no_such_name")
    with pytest.raises(AttributeError, match="no_such_name"):
        generator.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_listed_and_present(name):
    assert name in generator.__all__, f"{name} missing from generator.__all__"
    assert hasattr(generator, name)
    # ``from generator import name`` is getattr on the (fresh) module object
    assert getattr(importlib.import_module("generator"), name) is getattr(generator, name)


def test_every_listed_name_is_present():
    mod = importlib.import_module("generator")
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing
    assert len(set(mod.__all__)) == len(mod.__all__), "duplicate names in __all__"


def test_public_objects_are_what_they_claim():
    from generator.cards import RunConfig, load_card
    from generator.models import ScalarModel
    from generator.run import generate, run_card, yields_vs_coupling
    from generator.xsec import cross_section

    assert generator.generate is generate
    assert generator.run_card is run_card
    assert generator.yields_vs_coupling is yields_vs_coupling
    assert generator.load_card is load_card
    assert generator.RunConfig is RunConfig
    assert generator.ScalarModel is ScalarModel
    assert generator.cross_section is cross_section
    assert isinstance(generator.__version__, str)
    assert generator.__version__
