"""Declaration checks and ParameterSet behaviour (the contract the physiology and pk parts build on)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from engine_toymodel import TOY

from hpgtwin.errors import InputError
from hpgtwin.model.declaration import ModelDeclarationError, ParameterSet, Rate, UnknownParameter
from hpgtwin.model.expressions import symbolic


def test_parameter_set_with_values_and_lookup() -> None:
    """with_values takes a scalar or one value per man and leaves the original untouched."""
    params = TOY.default_parameters(3)
    changed = params.with_values(k_t=[0.5, 0.6, 0.7], shbg=40.0)
    assert changed["k_t"].tolist() == [0.5, 0.6, 0.7]
    assert np.all(changed["shbg"] == 40.0)
    assert np.all(params["shbg"] == 35.0)
    assert changed.patients(1).as_dict()["k_t"] == 0.6
    assert ParameterSet.concat([params, changed]).n_patients == 6
    with pytest.raises(UnknownParameter):
        params.with_values(no_such_parameter=1.0)
    with pytest.raises(InputError):
        params.with_values(k_t=[1.0, 2.0])
    with pytest.raises(InputError):
        ParameterSet(("a", "b"), np.array([1.0, np.nan]))


def test_parameter_set_is_read_only_and_reorders_for_the_model() -> None:
    """Values cannot be mutated in place; for_model restores the declaration's column order."""
    params = TOY.default_parameters()
    with pytest.raises(ValueError):
        params.values[0, 0] = 1.0
    shuffled = ParameterSet(tuple(reversed(params.names)), params.values[:, ::-1])
    np.testing.assert_array_equal(shuffled.for_model(TOY).values, params.values)


def test_model_rejects_inconsistent_declarations() -> None:
    """Missing rates, unknown names in expressions and bad bounds are declaration errors."""
    with pytest.raises(ModelDeclarationError, match="exactly one rate"):
        dataclasses.replace(TOY, rates=TOY.rates[:-1])
    bad_rate = (*TOY.rates[:-1], Rate("sp3", "k_transit*(sp2 - sp3) + mystery"))
    with pytest.raises(ModelDeclarationError, match="mystery"):
        symbolic(dataclasses.replace(TOY, rates=bad_rate))
    bad_func = (*TOY.rates[:-1], Rate("sp3", "max(sp2, sp3)"))
    with pytest.raises(ModelDeclarationError):
        symbolic(dataclasses.replace(TOY, rates=bad_func))
    bad_param = dataclasses.replace(TOY.parameters[0], value=100.0)
    with pytest.raises(ModelDeclarationError, match="outside its bounds"):
        dataclasses.replace(TOY, parameters=(bad_param, *TOY.parameters[1:]))
