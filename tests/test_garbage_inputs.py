"""Garbage for any argument of any verb is refused with an error that names the argument.

Every public verb is called with valid, cheap arguments except one, which is replaced by a
value of the wrong kind (a string for a number, a boolean, a mapping for a list, a nested
list, NaN, a negative count, an arbitrary object ...). The call must raise `ValueError`,
`TypeError` or `KeyError` (the package's errors inherit these) whose message names the
argument; it must never run with a silently misread value, nor fail with another error.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mtor_sim as ms


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


NOT_A_NUMBER = [
    "10",
    "",
    "ten",
    b"1",
    True,
    False,
    None,
    [1.0],
    {"a": 1},
    {1.0},
    1 + 2j,
    _Opaque(),
    math.nan,
    math.inf,
    -math.inf,
]
NOT_A_NONNEGATIVE = [*NOT_A_NUMBER, -1, -1e-300]
NOT_A_COUNT = ["3", 2.5, True, None, [3], -1, 0, math.nan, _Opaque()]
NOT_AN_OPTIONAL_COUNT = [v for v in NOT_A_COUNT if v is not None]
NOT_AN_OPTIONAL_NUMBER = [v for v in NOT_A_NONNEGATIVE if v is not None] + [0]
NOT_A_FLAG = ["no", "", 0, 1, None, [True], _Opaque()]
# the run options' shorthand keywords: None means "not given" (the `run` default)
NOT_AN_OPTIONAL_FLAG = [v for v in NOT_A_FLAG if v is not None]
NOT_A_BACKEND = [3.5, 7, True, ["serial"], {"x": 1}, b"x", _Opaque(), "no_such_name"]
NOT_RUN_OPTIONS = [3, "serial", ["serial"], {"backend": "no_such_name"}, {"no_such_field": 1}]
NOT_NAMES = [3.5, 7, True, {"AKT": 0}, [1], [None], [["AKT"]], b"AKT", _Opaque(), ["AKT", "AKT"]]
NOT_A_NAME = [3.5, 7, True, None, ["x"], {"x": 1}, b"x", _Opaque(), "no_such_name"]
# None means "the model's default readout" (its catalogue's [defaults])
NOT_AN_OPTIONAL_NAME = [v for v in NOT_A_NAME if v is not None]
NOT_A_MAPPING = [
    "GF",
    3,
    True,
    ["GF"],
    [("GF", 1)],
    _Opaque(),
    {1: 2},
    {"GF": "1"},
    {"GF": True},
    {"GF": -1},
    {"GF": math.nan},
    {"no_such_name": 1.0},
]
NOT_DOSES = [
    "1000",
    10,
    None,
    True,
    {0: 1},
    [0, "1"],
    [0, True],
    [0, -1],
    [0, math.nan],
    [0, 1, 1],
    [[0, 1]],
    _Opaque(),
]

PERTURBATION = {
    "genotype": NOT_NAMES[:-1] + ["no_such_name", ["WT", "WT"]],
    "drugs": [*NOT_A_MAPPING, {"everolimus": "10"}, {"everolimus": True}, {"everolimus": -5}],
    "knockouts": NOT_NAMES + [["no_such_name"]],
    "cut": NOT_NAMES + [["no_such_name"]],
    "parameters": NOT_A_MAPPING,
    "inputs": NOT_A_MAPPING,
}

# the argument's name, and the words an error about it may use instead of the bare name
ALIASES = {
    "genotype": ("genotype",),
    "genotypes": ("genotype",),
    "drugs": ("drug",),
    "knockouts": ("knockout", "node"),
    "cut": ("cut", "interaction"),
    "parameters": ("parameter",),
    "pair": ("pair", "drug"),
    "vary": ("vary", "parameter"),
    "inputs": ("input",),
    "drug": ("drug",),
    "readout": ("readout",),
    "readouts": ("readout",),
    "nodes": ("node",),
    "interactions": ("interaction",),
    "arms": ("arm", "regimen"),
    "space": ("space", "sweep axis", "sweep name"),
    "n": ("`n",),
}


def _cases() -> list[tuple[str, str, Any]]:
    verbs: dict[str, dict[str, list[Any]]] = {
        "steady_state": {**PERTURBATION, "tol": NOT_A_NONNEGATIVE + [0]},
        "simulate": {
            **PERTURBATION,
            "t_end": [v for v in NOT_A_NONNEGATIVE if v is not None] + [0],  # None: default
            "n_points": NOT_A_COUNT + [1],
            "pre_equilibrate": NOT_A_FLAG,
            "species": NOT_A_FLAG,
        },
        "dose_response": {
            "drug": NOT_A_NAME,
            "doses": NOT_DOSES,
            "readout": NOT_AN_OPTIONAL_NAME,
            "genotypes": ["WT", 3, {"WT": 1}, [3], ["WT", "WT"], []],
            "time": NOT_AN_OPTIONAL_NUMBER,
            **{k: v for k, v in PERTURBATION.items() if k != "drugs"},
        },
        "combination": {
            **PERTURBATION,
            "pair": [
                "everolimus",
                ("everolimus", "everolimus"),
                ("everolimus",),
                {"everolimus": 1, "sorafenib": 2},
                3,
                ("everolimus", 3),
            ],
            "doses_a": NOT_DOSES,
            "doses_b": NOT_DOSES,
            "readout": NOT_AN_OPTIONAL_NAME,
        },
        "sweep": {
            "space": [
                "GF",
                3,
                None,
                ["GF"],
                {"GF": "0.1,1"},
                {"GF": [0.1, "1"]},
                {"GF": [0.1, True]},
                {"GF": [0.1, -1]},
                {"no_such_name": [1]},
                {"GF": [0.1, 0.1]},
            ],
            "readouts": NOT_NAMES + [["no_such_name"]],
            "method": NOT_A_NAME,
            "time": NOT_AN_OPTIONAL_NUMBER,
            "n_workers": NOT_AN_OPTIONAL_COUNT,
            "chunk_size": NOT_AN_OPTIONAL_COUNT,
            "progress": NOT_AN_OPTIONAL_FLAG,
            "resume": NOT_AN_OPTIONAL_FLAG,
            "backend": NOT_A_BACKEND,
            "run": NOT_RUN_OPTIONS,
        },
        "knockout_screen": {
            "readouts": NOT_NAMES + [["no_such_name"]],
            "nodes": NOT_NAMES + [["no_such_name"]],
            "interactions": NOT_NAMES + [["no_such_name"]],
            "pairs": NOT_A_FLAG,
            "progress": NOT_AN_OPTIONAL_FLAG,
            "n_workers": NOT_AN_OPTIONAL_COUNT,
            "backend": NOT_A_BACKEND,
            "run": NOT_RUN_OPTIONS,
        },
        "sensitivity": {
            "readouts": NOT_NAMES + [["no_such_name"]],
            **PERTURBATION,
            "vary": NOT_NAMES + [["no_such_name"]],
            "method": NOT_A_NAME,
            "rel_step": NOT_A_NONNEGATIVE + [0],
            "n": NOT_A_COUNT,
            "factor": NOT_A_NONNEGATIVE + [0, 1, 0.5],
            "seed": ["1", 1.5, True, None, -1, _Opaque()],
            "progress": NOT_AN_OPTIONAL_FLAG,
            "n_workers": NOT_AN_OPTIONAL_COUNT,
            "run": NOT_RUN_OPTIONS,
        },
        "trial": {
            "arms": [3, [3], ["no_such_name"], {"a": "everolimus"}, ["everolimus", "everolimus"]],
            "n": NOT_A_COUNT,
            "seed": ["1", 1.5, True, None, -1, _Opaque()],
            "weeks": NOT_A_NONNEGATIVE + [0],
            "turnover": NOT_AN_OPTIONAL_NUMBER,  # None: the model's catalogue
            "phases": NOT_AN_OPTIONAL_COUNT,
            "progress": NOT_AN_OPTIONAL_FLAG,
            "n_workers": NOT_AN_OPTIONAL_COUNT,
        },
        "virtual_cohort": {
            "n": NOT_A_COUNT,
            "seed": ["1", 1.5, True, None, -1, _Opaque()],
            "frequencies": NOT_A_MAPPING[:8],
            "expression_sigma": [v for v in NOT_A_NONNEGATIVE if v is not None],  # None: default
            "kinetic_sigma": [v for v in NOT_A_NONNEGATIVE if v is not None],
            "growth_sigma": [v for v in NOT_A_NONNEGATIVE if v is not None],
            "exposure_sigma": NOT_A_MAPPING[:6]
            + [{"no_such_drug": 0.5}, {"everolimus": -0.1}, {"everolimus": "wide"}],
        },
    }
    return [
        (verb, arg, bad)
        for verb, args in verbs.items()
        for arg, bads in args.items()
        for bad in bads
    ]


VALID: dict[str, dict[str, Any]] = {
    "steady_state": {},
    "simulate": {"t_end": 10.0, "n_points": 3},
    "dose_response": {"drug": "everolimus", "doses": [0, 1, 10, 100], "readout": "pS6K1"},
    "combination": {
        "pair": ("everolimus", "sorafenib"),
        "doses_a": [1],
        "doses_b": [100],
        "readout": "proliferation",
    },
    "sweep": {"space": {"GF": [0.5, 1.0]}, "readouts": ["pS6K1"], "progress": False},
    "knockout_screen": {
        "readouts": ["pS6K1"],
        "nodes": ["AKT"],
        "interactions": [],
        "progress": False,
    },
    "sensitivity": {"readouts": ["pS6K1"], "vary": ["k_PTEN"], "progress": False},
    "trial": {"arms": ["everolimus"], "n": 4, "weeks": 1.0, "progress": False},
    "virtual_cohort": {"n": 4},
}
LHS = {"sweep": {"method": "lhs", "n": 4, "space": {"GF": (0.1, 1.0)}, "seed": 0}}


def _call(model: ms.Model, verb: str, kwargs: dict[str, Any]) -> Any:
    return getattr(ms, verb)(model, **kwargs)


@pytest.mark.parametrize(
    ("verb", "arg", "bad"),
    _cases(),
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_garbage_is_refused_naming_the_argument(
    model: ms.Model, verb: str, arg: str, bad: Any
) -> None:
    kwargs = {**VALID[verb], arg: bad}
    if arg == "run":  # alone: `run` with a shorthand keyword is refused for that reason
        kwargs.pop("progress", None)
    with pytest.raises((ValueError, TypeError, KeyError)) as info:
        _call(model, verb, kwargs)
    message = str(info.value)
    names = ALIASES.get(arg, (arg,))
    assert any(n in message for n in names), (
        f"{verb}({arg}={bad!r}) raised {type(info.value).__name__}: {message!r}, "
        f"which does not name {arg!r}"
    )


_garbage = st.one_of(
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.binary(max_size=3),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not x >= 0),
    st.integers(max_value=-1),
    st.lists(st.one_of(st.none(), st.booleans(), st.text(max_size=3)), min_size=1, max_size=3),
    st.dictionaries(st.integers(), st.text(max_size=3), min_size=1, max_size=2),
)
NUMERIC = {
    "steady_state": ["tol"],
    "simulate": ["t_end", "n_points"],
    "dose_response": ["time"],
    "sensitivity": ["rel_step", "factor", "n"],
    "trial": ["weeks", "turnover", "n"],
    "virtual_cohort": ["n", "expression_sigma"],
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_garbage_for_numbers(model: ms.Model, data: st.DataObject) -> None:
    verb = data.draw(st.sampled_from(sorted(NUMERIC)))
    arg = data.draw(st.sampled_from(NUMERIC[verb]))
    bad = data.draw(_garbage)
    if arg in ("time", "turnover", "expression_sigma", "t_end") and bad is None:
        return  # None means "at steady state", "the model's catalogue" or the default: valid
    with pytest.raises((ValueError, TypeError, KeyError)) as info:
        _call(model, verb, {**VALID[verb], arg: bad})
    assert arg in str(info.value)


def test_lhs_sweep_counts_and_seed_are_checked(model: ms.Model) -> None:
    for arg, bad in (("n", 0), ("n", 2.5), ("n", "4"), ("seed", "1"), ("seed", 1.5)):
        with pytest.raises((ValueError, TypeError), match=arg):
            ms.sweep(model, **{**VALID["sweep"], **LHS["sweep"], arg: bad})


def test_a_parameter_swept_and_set_in_the_background_is_refused(model: ms.Model) -> None:
    cases = [
        ({"dose_everolimus": [1.0, 10.0]}, {"drugs": {"everolimus": 5.0}}, "drugs"),
        ({"everolimus": [1.0, 10.0]}, {"drugs": {"everolimus": 5.0}}, "drugs"),
        ({"k_PTEN": [0.1, 1.0]}, {"parameters": {"k_PTEN": 0.5}}, "parameters"),
        ({"GF": [0.1, 1.0]}, {"inputs": {"GF": 0.5}}, "inputs"),
        ({"genotype": ["WT", "PTEN_loss"]}, {"genotype": "PTEN_loss"}, "genotype"),
    ]
    for space, background, where in cases:
        with pytest.raises(ValueError, match=where):
            ms.sweep(model, space, ["pS6K1"], progress=False, **background)


def test_the_varied_drug_in_the_background_is_refused(model: ms.Model) -> None:
    # the varied dose would replace the background one at every point, silently
    with pytest.raises(ValueError, match="both the varied drug and a background drug"):
        ms.dose_response(model, "everolimus", [0, 1], drugs={"everolimus": 1000})


@pytest.mark.parametrize("interval", [0, -1, math.nan])
def test_an_oral_interval_that_is_not_positive_is_refused(interval: float) -> None:
    with pytest.raises(ValueError, match="interval_h"):
        ms.Schedule.oral("everolimus", days=2, interval_h=interval)


def test_a_log_scale_on_a_grid_is_refused(model: ms.Model) -> None:
    # a grid takes its values as given: the log scale would be ignored
    with pytest.raises(ValueError, match="`log` applies to method='lhs' only"):
        ms.sweep(model, {"GF": [0.5, 1.0]}, ["pS6K1"], log=["GF"], progress=False)


def test_an_exposure_without_a_segment_is_refused() -> None:
    with pytest.raises(ValueError, match="no segment"):
        ms.Schedule.from_dict({"everolimus": {"segments": []}})


@pytest.mark.parametrize("cycles", [0, -1, 2.5])
def test_intermittent_cycles_are_checked(cycles: float) -> None:
    with pytest.raises((ValueError, TypeError), match="cycles"):
        ms.Schedule.intermittent("everolimus", 10, cycles=cycles)


def test_an_absurd_number_of_output_times_is_refused_by_name(model: ms.Model) -> None:
    """`n_points=10**12` ended in numpy's MemoryError (a traceback on the command line)."""
    with pytest.raises(ValueError, match="`n_points` is 1,000,000,000,000, over the limit"):
        model.simulate(t_end=10, n_points=10**12)


def test_a_model_path_that_is_not_a_path_is_refused_by_name() -> None:
    """`load_model(3)` raised pathlib's "expected str, bytes or os.PathLike object"."""
    with pytest.raises(TypeError, match="`path` must be a model file's path"):
        ms.load_model(3)


def test_a_schedule_segment_of_the_wrong_shape_says_so() -> None:
    """`{"segments": [[0, 50]]}` said "not enough values to unpack"."""
    for segments in ([[0, 50]], [5]):
        with pytest.raises(ValueError, match="must be \\(start, stop, concentration\\)"):
            ms.Schedule.from_dict({"everolimus": {"segments": segments}})


def test_a_catalogue_entry_misspelt_gets_the_closest_name() -> None:
    """`ms.GENOTYPES["PTEN_los"]` was a bare KeyError."""
    with pytest.raises(ms.UnknownNameError, match="did you mean 'PTEN_loss'"):
        ms.GENOTYPES["PTEN_los"]
    assert ms.GENOTYPES.get("PTEN_los") is None and "PTEN_loss" in ms.GENOTYPES


def test_a_sweep_of_absurd_size_is_refused_before_it_fills_the_memory(model: ms.Model) -> None:
    """`n=10**12` built the list of its chunks first: memory grew with no output."""
    with pytest.raises(ValueError, match="parts, over the limit of 2,000,000"):
        ms.sweep(model, **{**VALID["sweep"], **LHS["sweep"], "n": 10**12})
