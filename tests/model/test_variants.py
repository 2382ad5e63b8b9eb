"""Genotype, host and intervention names and their parsing."""

from __future__ import annotations

import pytest

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.model import parse_genotype, parse_host, parse_intervention, parse_interventions


def test_genotypes_switch_factors():
    g = parse_genotype("sting-loss,chronic-ifn")
    assert g["t_sting"] == 0 and g["chronic"] == 1 and g["t_ifnar"] == 1
    assert parse_genotype(None)["t_stat1"] == 1
    assert parse_genotype(["ifn-cluster-loss"])["t_cluster"] == 0
    for name, key in [
        ("cgas-loss", "t_cgas"),
        ("irf3-loss", "t_irf3"),
        ("ifnar1-loss", "t_ifnar"),
        ("stat1-loss", "t_stat1"),
    ]:
        assert parse_genotype(name)[key] == 0


def test_hosts_and_alias():
    assert parse_host("nude") == parse_host("t-cell-deficient")
    assert parse_host("nude")["h_T"] == 0
    assert parse_host("ifnar-loss")["h_ifnar"] == 0
    assert parse_host("sting-loss")["h_sting"] == 0
    assert parse_host(None)["h_T"] == 1


def test_unknown_names_list_accepted():
    with pytest.raises(UnknownNameError, match="accepted: .*sting-loss"):
        parse_genotype("sting-los")
    with pytest.raises(UnknownNameError, match="alias: nude"):
        parse_host("scid-ish")
    with pytest.raises(UnknownNameError, match="accepted: .*ifn-amplifier"):
        parse_intervention("interferon:day=1")


def test_interventions():
    a = parse_intervention("sting-agonist:day=2,dose=3,repeat=3,every=2")
    assert a.days == (2.0, 4.0, 6.0) and a.dose == 3
    w = parse_intervention("jak-inhibitor:start=-7,end=0")
    assert w.is_window and w.dose == 0.9 and w.breakpoints() == [-7.0, 0.0]
    assert parse_intervention("anti-pd1:day=0").dose == 1.0
    assert len(parse_interventions("ifnar-block:start=0,end=7;ifn-amplifier:start=0,end=28")) == 2


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ("ifnar-block:start=7,end=2", "ends (end=2) before it starts"),
        ("ifnar-block:start=0", "needs start= and end="),
        ("sting-agonist:day=0,dose=-1", "dose must be >= 0"),
        ("sting-agonist:days=0", "unknown key 'days'"),
        ("anti-pd1:day=zero", "day must be a number"),
        ("jak-inhibitor:start=0,end=3,dose=2", "0-1"),
        ("anti-pd1:day", "not key=value"),
    ],
)
def test_bad_interventions(bad, needle):
    with pytest.raises(ValidationError) as e:
        parse_intervention(bad)
    assert needle in str(e.value)


def test_each_dosed_intervention_drives_its_declared_argument():
    """DOSED, the one table of the dosed interventions: each entry names a drive of the
    declaration, a parameter, and gives the closed-form level sum_k d_k exp(-k (t - t_k)) of
    its doses (as an occupancy s / (s + 0.1) for the antibodies)."""
    import numpy as np

    from ifnexus.model._params import PARAMETERS
    from ifnexus.model._solver import Drive
    from ifnexus.model._variants import DOSED, INTERVENTIONS

    pytest.importorskip("sympy")  # the declaration is sympy
    from ifnexus.model._equations import DRIVES

    assert set(DOSED) <= set(INTERVENTIONS)
    assert [d.arg for d in DOSED.values()] == ["g", "o", "ctla", "ox40"]  # the kernel's columns
    declared = {(ident, arg) for ident, arg, *_ in DRIVES}
    names = {p.name for p in PARAMETERS}
    p = {n: 0.0 for n in names}
    for i, (name, spec) in enumerate(DOSED.items()):
        assert (spec.drive, spec.arg) in declared and spec.clearance in names
        iv = parse_intervention(f"{name}:day=2,dose=1,repeat=2,every=3")
        assert not iv.is_window and iv.days == (2.0, 5.0)
        k = 0.1 * (i + 1)
        drive = Drive((iv,), {**p, spec.clearance: k})
        assert drive.dosed == (name,)
        t = np.array([1.0, 2.0, 4.0, 5.0, 9.0])
        got = np.array([drive.level(name, tt, tt)[0] for tt in t])  # doses given by each time
        s = sum(np.where(t >= d, np.exp(-k * (t - d)), 0.0) for d in (2.0, 5.0))
        np.testing.assert_allclose(got, s / (s + 0.1) if spec.occupancy else s, rtol=1e-14)
        others = [n for n in DOSED if n != name]
        assert all(not drive.level(n, 9.0, t).any() for n in others)
        assert set(drive.node_levels(t)) == {spec.arg}
