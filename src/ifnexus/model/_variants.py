"""Tumour genotypes, hosts and interventions, by the names used on the CLI and in the API.

Genotypes and hosts switch mechanisms on and off (each is a set of 0/1 competence factors, see
:data:`GENOTYPES` and :data:`HOSTS`). Interventions carry timing and dose and are parsed from
``name:key=value,key=value`` strings:

* ``sting-agonist:day=0,dose=1[,repeat=3,every=3]`` - intratumoural cGAMP-like agonist; its
  level decays with rate ``k_ag``; it drives tumour STING (bypassing cGAS) and host STING,
  and host STING's TNF-alpha haemorrhagic necrosis kills clonogens at ``k_nec h_STING g/(1+g)``
  (T-cell independent; the dead cells release antigen as irradiated ones do);
* ``anti-pd1:day=0,dose=1[,repeat=4,every=3]`` - PD-1 blockade; occupancy ``s / (s + 0.1)``
  where ``s`` is the sum of doses decaying with rate ``k_pd1`` (dose 1 gives 91% occupancy);
* ``anti-ctla4:day=0,dose=1[,repeat=3,every=3]`` - CTLA-4 blockade; occupancy as anti-PD-1
  (decay ``k_ctla``); it depletes intratumoural Tregs (rate ``k_dep`` at full occupancy,
  Fc-receptor-mediated) and enhances CD8+ priming (``m_ctla``);
* ``ifnar-block:start=0,end=7[,dose=0.95][,compartment=both]`` - IFNAR-blocking antibody in a
  window: the fraction ``dose`` of IFNAR signalling is blocked, in tumour cells
  (``compartment=tumour``: their acute/chronic STAT1 arms), in host immune cells
  (``compartment=host``: type-I IFN licensing of dendritic-cell priming) or in both (default);
* ``jak-inhibitor:start=0,end=7[,dose=0.9][,compartment=both]`` - JAK1 inhibition of STAT1
  signalling in a window, in the same compartments;
* ``ifn-amplifier:start=0,end=28[,dose=1]`` - an epigenetic amplifier of tumour IFN
  transcription: production multiplied by ``1 + dose`` in the window;
* ``ifn-beta:start=0,end=14[,dose=1]`` - exogenous IFN-beta delivered into the tumour at the
  constant rate ``dose * p_ifnb`` over the window (e.g. adenoviral IFN-beta), into the same
  IFN-I that tumour and host production feed (so it acts through tumour and host IFNAR; dose 1
  alone holds IFN-I at 1 IFNAR EC50);
* ``anti-ox40:day=0,dose=1[,repeat=N,every=D]`` - agonist anti-OX40; occupancy as anti-PD-1
  (decay ``k_ox40``); it co-stimulates newly primed CD8+ T cells, multiplying the ongoing
  priming flux by ``1 + m_ox40 * occupancy`` (OX40 is expressed only transiently after
  activation).

Doses of the agents (every intervention but the two blockades, whose dose is a fraction 0-1)
are at most :data:`MAX_AGENT_DOSE` (100 times the reference dose): far beyond any experiment,
and below the sizes at which the integration overflows (``sting-agonist:dose=1e300``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.model._limits import MAX_DAYS, MAX_FRACTIONS

__all__ = [
    "DOSED",
    "GENOTYPES",
    "HOSTS",
    "INTERVENTIONS",
    "MAX_AGENT_DOSE",
    "Dosed",
    "Intervention",
    "parse_genotype",
    "parse_host",
    "parse_intervention",
    "parse_interventions",
]

# competence factors of the tumour (t_*) and host (h_*); 1 = intact
_TUMOUR_DEFAULT = {
    "t_cgas": 1.0,
    "t_sting": 1.0,
    "t_irf3": 1.0,
    "t_cluster": 1.0,
    "t_ifnar": 1.0,
    "t_stat1": 1.0,
    "chronic": 0.0,
}
_HOST_DEFAULT = {"h_T": 1.0, "h_ifnar": 1.0, "h_sting": 1.0}


def _frozen(d: dict[str, dict[str, float]]) -> Mapping[str, Mapping[str, float]]:
    """Return a read-only mapping of read-only mappings (public tables that steer results)."""
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in d.items()})


GENOTYPES: Mapping[str, Mapping[str, float]] = _frozen(
    {
        "wild-type": {},
        "cgas-loss": {"t_cgas": 0.0},
        "sting-loss": {"t_sting": 0.0},
        "irf3-loss": {"t_irf3": 0.0},
        "ifn-cluster-loss": {"t_cluster": 0.0},
        "ifnar1-loss": {"t_ifnar": 0.0},
        "stat1-loss": {"t_stat1": 0.0},
        "chronic-ifn": {"chronic": 1.0},
    }
)
"""Tumour genotypes: ``ifn-cluster-loss`` is 9p21 co-deletion of the type I IFN genes (no tumour
IFN-I); ``chronic-ifn`` adds tonic low-level IFN-I production (IRDS-high at baseline).
Read-only (it steers every simulation): copy it (``{k: dict(v) for k, v in GENOTYPES.items()}``)
to experiment."""

HOSTS: Mapping[str, Mapping[str, float]] = _frozen(
    {
        "immunocompetent": {},
        "t-cell-deficient": {"h_T": 0.0},
        "ifnar-loss": {"h_ifnar": 0.0},
        "sting-loss": {"h_sting": 0.0},
    }
)
"""Hosts; ``nude`` (and ``rag``) are aliases of ``t-cell-deficient``. Read-only."""

_HOST_ALIASES = {"nude": "t-cell-deficient", "rag": "t-cell-deficient", "wt": "immunocompetent"}


def parse_genotype(spec: str | Sequence[str] | None) -> dict[str, float]:
    """Competence factors of a tumour genotype given as ``"sting-loss,chronic-ifn"`` or a list.

    Parameters
    ----------
    spec
        Genotype names of :data:`GENOTYPES`, comma-separated or a list; ``None`` (or empty) is
        wild-type.

    Returns
    -------
    dict
        ``t_cgas``, ``t_sting``, ``t_irf3``, ``t_cluster``, ``t_ifnar``, ``t_stat1`` (0/1) and
        ``chronic`` (1 for a tonic-IFN tumour).

    Raises
    ------
    UnknownNameError
        A name not in :data:`GENOTYPES`; the message lists the accepted names.
    """
    out = dict(_TUMOUR_DEFAULT)
    for name in _split(spec):
        if name not in GENOTYPES:
            raise UnknownNameError(
                f"unknown tumour genotype {name!r}; accepted: {', '.join(GENOTYPES)}"
            )
        out.update(GENOTYPES[name])
    return out


def genotype_label(spec) -> str:
    """Canonical comma-joined genotype label (``wild-type`` when empty)."""
    names = [n for n in _split(spec) if n != "wild-type"]
    return ",".join(names) if names else "wild-type"


def parse_host(name: str | None) -> dict[str, float]:
    """Competence factors of a host: ``h_T`` (T cells), ``h_ifnar``, ``h_sting`` (0/1).

    Parameters
    ----------
    name
        A host of :data:`HOSTS` (or the alias ``nude``/``rag``/``wt``); ``None`` is
        immunocompetent.

    Returns
    -------
    dict
        ``h_T``, ``h_ifnar`` and ``h_sting``.

    Raises
    ------
    UnknownNameError
        An unknown host; the message lists the accepted names.
    """
    key = canonical_host(name)
    out = dict(_HOST_DEFAULT)
    out.update(HOSTS[key])
    return out


def canonical_host(name: str | None) -> str:
    """Canonical host name (resolves the ``nude``/``rag`` aliases)."""
    key = "immunocompetent" if name is None else str(name).strip().lower()
    key = _HOST_ALIASES.get(key, key)
    if key not in HOSTS:
        raise UnknownNameError(
            f"unknown host {name!r}; accepted: {', '.join(HOSTS)} (alias: nude, rag)"
        )
    return key


def _split(spec) -> list[str]:
    if spec is None:
        return []
    if not isinstance(spec, str | Iterable):
        raise ValidationError(
            f"genotype must be names, comma-separated or a list, got {spec!r}; accepted: "
            f"{', '.join(GENOTYPES)}"
        )
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    return [str(s).strip().lower() for s in items if str(s).strip()]


# ------------------------------------------------------------------------ interventions


@dataclass(frozen=True)
class Dosed:
    """How an intervention given as doses on days drives the model.

    Its level ``s`` at time t is the sum of the doses given by then, each decaying at the rate
    of the parameter ``clearance`` since its day; the model sees ``s / (s + 0.1)``
    (``occupancy``: an antibody's receptor occupancy; dose 1 gives 91%) or ``s`` itself (the
    agonist's level). ``drive`` is its drive identifier in the declaration
    (``_equations.DRIVES``, the SBML variable) and ``arg`` the name of its argument of the
    forcing and signals (``_system.forcing``).
    """

    clearance: str
    occupancy: bool
    drive: str
    arg: str


DOSED: Mapping[str, Dosed] = MappingProxyType(
    {
        # in the order of the compiled kernel's drive columns (_kernel.run_kernel's lev[..., k])
        "sting-agonist": Dosed("k_ag", occupancy=False, drive="g_ag", arg="g"),
        "anti-pd1": Dosed("k_pd1", occupancy=True, drive="o_pd1", arg="o"),
        "anti-ctla4": Dosed("k_ctla", occupancy=True, drive="ctla", arg="ctla"),
        "anti-ox40": Dosed("k_ox40", occupancy=True, drive="ox40", arg="ox40"),
    }
)
"""The interventions given as doses on days (``day=,dose=[,repeat=,every=]``) by name."""
_IMPULSE = frozenset(DOSED)
_BLOCKADES = {"ifnar-block", "jak-inhibitor"}
COMPARTMENTS = ("tumour", "host", "both")
"""Where a blockade (``ifnar-block``, ``jak-inhibitor``) acts (``compartment=``)."""
_WINDOW = {"ifnar-block": 0.95, "jak-inhibitor": 0.9, "ifn-amplifier": 1.0, "ifn-beta": 1.0}
MAX_AGENT_DOSE = 100.0
"""Largest ``dose`` of an agent (relative to its reference dose 1; not of the blockades)."""
INTERVENTIONS: tuple[str, ...] = (
    "sting-agonist",
    "anti-pd1",
    "anti-ctla4",
    "ifnar-block",
    "jak-inhibitor",
    "ifn-amplifier",
    "ifn-beta",
    "anti-ox40",
)
_FORMS = (
    "'sting-agonist:day=0,dose=1[,repeat=N,every=D]', 'anti-pd1:day=0,dose=1[,repeat=N,every=D]', "
    "'anti-ctla4:day=0,dose=1[,repeat=N,every=D]', "
    "'ifnar-block:start=0,end=7[,dose=0.95][,compartment=tumour|host|both]', "
    "'jak-inhibitor:start=0,end=7[,dose=0.9][,compartment=tumour|host|both]', "
    "'ifn-amplifier:start=0,end=28[,dose=1]', 'ifn-beta:start=0,end=14[,dose=1]', "
    "'anti-ox40:day=0,dose=1[,repeat=N,every=D]'"
)


@dataclass(frozen=True)
class Intervention:
    """One intervention: a name, dose times (impulses) or a window, and a dose.

    Days count from the first fraction (negative = before radiotherapy). Build it with
    :func:`parse_intervention`.

    Parameters
    ----------
    name
        One of :data:`INTERVENTIONS`.
    dose
        Relative dose (1 = the reference dose of the intervention).
    days
        Dosing days of an impulse intervention (``sting-agonist``, ``anti-pd1``,
        ``anti-ctla4``, ``anti-ox40``).
    start, end
        Window of ``ifnar-block``, ``jak-inhibitor``, ``ifn-amplifier`` and ``ifn-beta`` (NaN
        for impulses).
    compartment
        Where ``ifnar-block`` and ``jak-inhibitor`` act: ``"tumour"`` (tumour-cell IFNAR/STAT1
        signalling), ``"host"`` (IFN-I licensing of dendritic-cell priming) or ``"both"``.
    """

    name: str
    dose: float
    days: tuple[float, ...] = field(default_factory=tuple)
    start: float = float("nan")
    end: float = float("nan")
    compartment: str = "both"

    def acts_on(self, compartment: str) -> bool:
        """Return whether a blockade acts on ``"tumour"`` or ``"host"`` signalling.

        Parameters
        ----------
        compartment
            ``"tumour"`` or ``"host"``.

        Returns
        -------
        bool
            True for ``compartment=both`` or the same compartment.
        """
        return self.compartment in ("both", compartment)

    @property
    def is_window(self) -> bool:
        """True for a windowed (piecewise-constant) intervention."""
        return self.name in _WINDOW

    def breakpoints(self) -> list[float]:
        """Return the times at which this intervention switches or doses.

        Returns
        -------
        list of float
            ``[start, end]`` for a window, else the dose days.
        """
        return [self.start, self.end] if self.is_window else list(self.days)

    def active(self, t: float | np.ndarray) -> np.ndarray:
        """Return 1 inside the window (``start <= t < end``), else 0 (windowed interventions only).

        Parameters
        ----------
        t
            Time or times in days from the first fraction.

        Returns
        -------
        numpy.ndarray
            1.0 where the intervention is active, 0.0 elsewhere, shaped like ``t``.
        """
        t = np.asarray(t, dtype=float)
        return ((t >= self.start) & (t < self.end)).astype(float)

    def __str__(self) -> str:
        if self.is_window:
            where = "" if self.compartment == "both" else f",compartment={self.compartment}"
            return f"{self.name}:start={self.start:g},end={self.end:g},dose={self.dose:g}{where}"
        return f"{self.name}:days={';'.join(f'{d:g}' for d in self.days)},dose={self.dose:g}"


def parse_intervention(text: str | Intervention) -> Intervention:
    """Parse ``name:key=value,...`` into an :class:`Intervention` (see the module docstring).

    Parameters
    ----------
    text
        E.g. ``"sting-agonist:day=0,dose=1"``, ``"anti-pd1:day=0,repeat=4,every=3"`` or
        ``"ifnar-block:start=0,end=7"``; an :class:`Intervention` is returned as is.

    Returns
    -------
    Intervention
        The parsed intervention.

    Raises
    ------
    UnknownNameError
        Unknown intervention name.
    ValidationError
        Unknown or malformed keys, negative dose, a window that ends before it starts.
    """
    if isinstance(text, Intervention):
        return _checked(text)
    raw = str(text).strip()
    name, _, rest = raw.partition(":")
    name = name.strip().lower()
    if name not in INTERVENTIONS:
        raise UnknownNameError(
            f"unknown intervention {name!r} in {raw!r}; accepted: {', '.join(INTERVENTIONS)}; "
            f"forms: {_FORMS}"
        )
    kv: dict[str, float] = {}
    allowed = {"day", "dose", "repeat", "every"} if name in _IMPULSE else {"start", "end", "dose"}
    if name in _BLOCKADES:
        allowed.add("compartment")
    compartment = "both"
    for tok in filter(None, (t.strip() for t in rest.split(","))):
        k, eq, v = tok.partition("=")
        k = k.strip().lower()
        if not eq:
            raise ValidationError(
                f"intervention {raw!r}: token {tok!r} is not key=value; forms: {_FORMS}"
            )
        if k not in allowed:  # before its value: 'compartment=stroma' is an unknown key
            raise ValidationError(
                f"intervention {raw!r}: unknown key {k!r}; {name} accepts "
                f"{', '.join(sorted(allowed))}"
            )
        if k == "compartment":
            compartment = v.strip().lower()
            if compartment not in COMPARTMENTS:
                raise ValidationError(
                    f"intervention {raw!r}: compartment must be one of "
                    f"{', '.join(COMPARTMENTS)}, got {v.strip()!r}"
                )
            continue
        try:
            kv[k] = float(v)
        except ValueError:
            raise ValidationError(
                f"intervention {raw!r}: {k} must be a number, got {v.strip()!r}"
            ) from None
        if not np.isfinite(kv[k]):
            raise ValidationError(f"intervention {raw!r}: {k} must be finite")
        if k in {"day", "start", "end", "every"} and abs(kv[k]) > MAX_DAYS:
            raise ValidationError(
                f"intervention {raw!r}: {k}={kv[k]:g} is beyond the limit of {MAX_DAYS:g} days"
            )
    dose = kv.get("dose", 1.0 if name in _IMPULSE else _WINDOW[name])
    if (problem := _dose_problem(name, dose)) is not None:
        raise ValidationError(f"intervention {raw!r}: {problem}")
    if name in _IMPULSE:
        day = kv.get("day", 0.0)
        repeat = kv.get("repeat", 1.0)
        every = kv.get("every", 1.0)
        if repeat < 1 or repeat != int(repeat):
            raise ValidationError(f"intervention {raw!r}: repeat must be a whole number >= 1")
        if every <= 0:
            raise ValidationError(f"intervention {raw!r}: every must be > 0 days")
        if repeat > MAX_FRACTIONS:
            raise ValidationError(
                f"intervention {raw!r}: repeat {repeat:g} is over the limit of {MAX_FRACTIONS}"
            )
        days = tuple(float(day + k * every) for k in range(int(repeat)))
        return Intervention(name=name, dose=float(dose), days=days)
    if "start" not in kv or "end" not in kv:
        raise ValidationError(
            f"intervention {raw!r}: {name} needs start= and end= (days); forms: {_FORMS}"
        )
    if kv["end"] <= kv["start"]:
        raise ValidationError(f"intervention {raw!r}: {_window_problem(kv['start'], kv['end'])}")
    return Intervention(name=name, dose=float(dose), start=kv["start"], end=kv["end"],
                        compartment=compartment)  # fmt: skip


def _dose_problem(name: str, dose: float) -> str | None:
    """Return what is wrong with ``dose`` of the intervention ``name`` (``None``: accepted).

    The one statement of the dose rules, for parsed and directly built interventions: finite
    and >= 0; a blockade's dose is the blocked fraction (at most 1); an agent's at most
    :data:`MAX_AGENT_DOSE`.
    """
    if not np.isfinite(dose) or dose < 0:
        return f"dose must be >= 0 (a finite number), got {dose:g}"
    if name in _BLOCKADES and dose > 1:
        return f"dose is the blocked fraction of signalling, 0-1; got {dose:g}"
    if name not in _BLOCKADES and dose > MAX_AGENT_DOSE:
        return (
            f"dose {dose:g} is over the limit of {MAX_AGENT_DOSE:g} "
            f"(relative to the reference dose 1 of {name})"
        )
    return None


def _window_problem(start: float, end: float) -> str:
    """Return the message for a window that does not end after it starts."""
    return (
        f"the window ends (end={end:g}) before it starts (start={start:g}); end must be later "
        "than start"
    )


def _checked(iv: Intervention) -> Intervention:
    """Return an :class:`Intervention` built directly if it holds what a parsed one may hold.

    The checks of :func:`parse_intervention`: a known name, a finite dose >= 0 within its limit,
    finite dose days (at least one, at most ``MAX_FRACTIONS``) or a finite window that ends
    after it starts, days within ``MAX_DAYS``, and a known compartment.
    """
    if iv.name not in INTERVENTIONS:
        raise UnknownNameError(
            f"unknown intervention {iv.name!r}; accepted: {', '.join(INTERVENTIONS)}"
        )
    what = f"intervention {iv.name!r}"
    if (problem := _dose_problem(iv.name, float(iv.dose))) is not None:
        raise ValidationError(f"{what}: {problem}")
    if iv.compartment not in COMPARTMENTS:
        raise ValidationError(
            f"{what}: compartment must be one of {', '.join(COMPARTMENTS)}, got {iv.compartment!r}"
        )
    times = np.asarray(iv.breakpoints(), dtype=float)
    if not (np.isfinite(times).all() and np.all(np.abs(times) <= MAX_DAYS)):
        raise ValidationError(
            f"{what}: its days must be finite numbers within {MAX_DAYS:g} days of the first "
            f"fraction, got {times.tolist()}"
        )
    if iv.is_window and not iv.end > iv.start:
        raise ValidationError(f"{what}: {_window_problem(iv.start, iv.end)}")
    if not iv.is_window and not 1 <= times.size <= MAX_FRACTIONS:
        raise ValidationError(f"{what}: needs 1 to {MAX_FRACTIONS} dose days, got {times.size}")
    return iv


def parse_interventions(
    items: str | Intervention | Iterable[str | Intervention] | None,
) -> tuple[Intervention, ...]:
    """Parse a list of intervention strings (or one string separated by ``;``).

    Parameters
    ----------
    items
        Intervention strings or :class:`Intervention` objects, one string with ``;`` between
        interventions, or ``None``.

    Returns
    -------
    tuple of Intervention
        The interventions in order (empty for ``None``).
    """
    if items is None:
        return ()
    if isinstance(items, str):
        items = items.split(";")
    elif isinstance(items, Intervention):
        items = [items]
    elif not isinstance(items, Iterable):
        raise ValidationError(
            f"interventions must be intervention strings or Intervention objects, got "
            f"{items!r}; forms: {_FORMS}"
        )
    return tuple(parse_intervention(s) for s in items if str(s).strip())
