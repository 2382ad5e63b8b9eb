"""The parameters of the IFN-radiotherapy model, declared once with unit, value and source.

Every number the simulator uses is a :class:`Parameter` in :data:`PARAMETERS`. A parameter has
one value shared by both settings, or one value per setting (``mouse``: a syngeneic graft of
about 10^7-10^8 cells, single or few large fractions, weeks of follow-up; ``patient``: an MPNST
under curative-intent radiotherapy). Each value carries its source: a paper, or ``assumed:``
with the reason. ``docs/model.md`` is generated from this table (:func:`ifnexus.model.model_markdown`).

Concentrations in the signalling layer are dimensionless: cytosolic DNA, STING activity and
U-STAT1 in arbitrary units of their half-saturating level, IFN-I in units of its IFNAR EC50,
T-cell densities relative to the untreated tumour's CD8+ density. Tumour cells are counts.
"""

from __future__ import annotations

import difflib

import pandas as pd

from ifnexus.errors import UnknownNameError, ValidationError
from ifnexus.model._parameter import SETTINGS, Parameter, Setting, _p

__all__ = [
    "PARAMETERS",
    "SETTINGS",
    "Parameter",
    "Setting",
    "check_values",
    "parameter_table",
    "parameters",
]

_LN2 = 0.6931471805599453

PARAMETERS: tuple[Parameter, ...] = (
    # ---------------------------------------------------------------- tumour
    _p(
        "r",
        "r",
        "1/d",
        "clonogen proliferation rate (small tumour)",
        "tumour",
        _LN2 / 3.2,
        "Cho et al. 2023 Phys Med Biol 68:165010: tumour doubling time 3.2 d in mice",
        patient=_LN2 / 17.0,
        source_patient="calibrated (median over tumours; r_sigma gives the spread): clonogen "
        "doubling time 17 d, between Tpot of fast carcinomas and sarcoma volume doubling times "
        "of 1-3 months, set with r_sigma so that local failures after 50 Gy/25 fx fall as in "
        "Eilber et al. 2005 Ann Surg Oncol 12:228 (PMID 15827815; 179 isolated local "
        "recurrences of 1,421 extremity sarcomas: median 16 months, 65% by 2 years, 90% by 4 "
        "years); the model gives median 15.4 months, 73% by 2 y and 96% by 4 y of the failures "
        "within 5 y (tests/model/test_failure_timing.py)",
    ),
    _p(
        "K",
        "K",
        "cells",
        "carrying capacity of the tumour bed (logistic)",
        "tumour",
        2.5e9,
        "Kosinsky et al. 2018 J Immunother Cancer 6:17: TVmax 2500 uL at about 1e6 cells/uL",
        patient=1e12,
        source_patient="assumed: about 1 L of tumour at 1e9 cells/cm3",
        lower_open=True,
    ),
    _p(
        "d0",
        "\\delta_0",
        "1/d",
        "spontaneous clonogen death (its antigen and DNA are the baseline death signal)",
        "tumour",
        0.01,
        "Kosinsky et al. 2018: d0 = 0.01 /d; the antigen of cells dying spontaneously "
        "(weight w_b) reaches DCs, the source of the pre-existing tumour-specific T-cell "
        "response (spontaneous IFN-dependent priming against untreated tumours: Woo et al. "
        "2014 Immunity 41:830; Fuertes et al. 2011 J Exp Med 208:2005)",
    ),
    _p(
        "n0",
        "N_0",
        "cells",
        "median clonogens at the first fraction (gross disease)",
        "tumour",
        3e7,
        "issue brief: a syngeneic graft of 1e7-1e8 cells at treatment; all graft cells "
        "taken as clonogenic (assumed, transplanted lines)",
        patient=2.7e9,
        source_patient="assumed: a sphere of 8 cm diameter (270 cm3, the median size of "
        "unresected soft-tissue sarcoma treated with radiotherapy in Kepka et al. 2005 Int J "
        "Radiat Oncol Biol Phys 63:852) at 1e7 clonogens/cm3 (clonogen density of Webb & Nahum "
        "1993 Phys Med Biol 38:653)",
        lower_open=True,
    ),
    _p(
        "n0_postop",
        "N_0^{postop}",
        "cells",
        "median clonogens of post-operative residual disease",
        "tumour",
        1e5,
        "assumed: microscopic residual disease, where some is left (p_residual_r0 / "
        "p_residual_r1; not used in the mouse setting)",
        lower_open=True,
    ),
    _p(
        "p_r1",
        "p_{R1}",
        "1",
        "probability of a microscopically positive (or marginal) resection margin, R1",
        "tumour",
        0.18,
        "Ahmad et al. 2016 Oncologist 21:1269 (PMC5061529): margins positive in 68/382 (18%) "
        "limb-sparing resections of extremity/truncal soft-tissue sarcoma (not used in the "
        "mouse setting)",
        upper=1,
    ),
    _p(
        "p_residual_r0",
        "p_{res}^{R0}",
        "1",
        "probability that an R0 (wide) excision leaves residual clonogens",
        "tumour",
        0.08,
        "calibrated: local recurrence after wide excision alone, 7/84 (8%) in Scandinavian "
        "Sarcoma Group protocol 1 (high-grade extremity sarcoma, median follow-up 47 months; "
        "'Surgical margin in soft tissue sarcoma. The Scandinavian Sarcoma Group experience'), "
        "and 9% at 5 years after a negative re-resection without RT (Cancer 2008, "
        "doi:10.1002/cncr.23493, 200 patients); almost every residual deposit regrows to "
        "detection within 5 years without RT",
        upper=1,
    ),
    _p(
        "p_residual_r1",
        "p_{res}^{R1}",
        "1",
        "probability that an R1 (marginal / microscopically positive) excision leaves "
        "residual clonogens",
        "tumour",
        0.37,
        "calibrated: local recurrence after marginal excision alone, 7/19 (37%) in Scandinavian "
        "Sarcoma Group protocol 1 (same report; 2/21 = 10% with postoperative RT, left as a "
        "check)",
        upper=1,
    ),
    _p(
        "t_surgery",
        "t_{surg}",
        "d",
        "pre-operative radiotherapy: days from the last fraction to the resection",
        "tumour",
        31.5,
        "the middle of 3-6 weeks: 'Surgery after preRT is typically performed 3 to 6 weeks "
        "after the last radiation dose' (Collier et al. 2021 Clin Orthop Relat Res 479:506, "
        "doi:10.1097/CORR.0000000000001287, an analysis of the National Cancer Database); "
        "used only with disease='preop' (not in the mouse setting)",
        lower_open=True,
        upper=365,
    ),
    _p(
        "k_D",
        "k_D",
        "1/d",
        "rate of each of the 4 stages of doomed-cell death",
        "tumour",
        4.0 / 3.0,
        "Cho et al. 2023: delayed death with a normal kernel of mean 3 d, SD 1.5 d; an Erlang-4 "
        "chain with rate 4/3 /d has the same mean and SD",
    ),
    # ---------------------------------------------------------------- radiation
    _p(
        "alpha",
        "\\alpha",
        "1/Gy",
        "LQ linear coefficient of clonogens (median)",
        "radiation",
        0.09,
        "assumed: fitted so that the radiation-only (nude) single-dose TCD50 of a 3e7-cell "
        "graft is about 40 Gy, i.e. 2.1 x an immunocompetent TCD50 of 19 Gy (Stone, Peters & "
        "Milas 1979 JNCI; Lee et al. 2009 Blood 114:589)",
        patient=0.2,
        source_patient="assumed: sarcoma clonogens, SF2 about 0.55 in vitro",
    ),
    _p(
        "alpha_beta",
        "\\alpha/\\beta",
        "Gy",
        "alpha/beta of clonogens (median)",
        "radiation",
        10.0,
        "assumed: rapidly growing murine transplant tumours",
        patient=4.0,
        source_patient="assumed: soft-tissue sarcoma centred low (Thames et al. 1990 "
        "Radiother Oncol 19:219: liposarcoma 0.4 Gy, 95% CI -1.4 to 5.4; Cho 2023 uses 4.4)",
        lower_open=True,
    ),
    _p(
        "T_rep",
        "T_{rep}",
        "h",
        "half-time of sublethal-damage repair in clonogens (incomplete repair between fractions)",
        "radiation",
        1.0,
        "assumed 1 h, within the 0.5-1.5 h usually taken for tumours (Thames & Hendry 1987 "
        "Fractionation in Radiotherapy; Fowler 1989 Br J Radiol 62:679; Steel et al. 1987 "
        "Radiother Oncol 9:299 for human tumour cells); Lea-Catcheside factor for "
        "instantaneous fractions (Thames 1985 Int J Radiat Biol 47:319)",
        lower_open=True,
    ),
    _p(
        "alpha_l",
        "\\alpha_l",
        "1/Gy",
        "LQ alpha of lymphocytes in the field",
        "radiation",
        0.182,
        "Cho et al. 2023 Phys Med Biol 68:165010",
    ),
    _p(
        "beta_l",
        "\\beta_l",
        "1/Gy^2",
        "LQ beta of lymphocytes in the field",
        "radiation",
        0.143,
        "Cho et al. 2023 Phys Med Biol 68:165010",
    ),
    _p(
        "f_circ",
        "f_{c}",
        "1",
        "fraction of the primed tumour-specific T-cell pool in the beam (at the full fraction "
        "dose) per fraction",
        "radiation",
        0.03,
        "assumed: gives 35-60% loss of the pool over 10-30 fractions, as the 42-75% loss of "
        "lymphocytes seen after focal RT in mice (Oncoimmunology 2018 e1445951); since the "
        "blood-dose model (blood_exposed, blood_dose_share) it sets the primed pool only, not "
        "the blood count (alc)",
        upper=1,
    ),
    _p(
        "blood_exposed",
        "f_b",
        "1",
        "share of the circulating blood that passes through the field during one fraction "
        "(set per site and technique)",
        "radiation",
        0.184,
        "Hammi, Paganetti & Grassberger 2020 Phys Med Biol 65:055008 (4-D blood-flow model, "
        "Yovino 2013 approach, intracranial photon plan): 'The fraction of blood volume "
        "receiving any dose after the first fraction is ... 18.4% for the photon treatment "
        "plan'; '90% of the blood pool will have received dose after the 11th fraction' (the "
        "well-mixed form 1 - (1 - 0.184)^11 = 0.89); Yovino et al. 2013 Cancer Invest 31:140: "
        "one fraction exposes few % of the blood, 30 fractions nearly all of it",
        lower_open=True,
        upper=1,
    ),
    _p(
        "blood_dose_share",
        "b_D",
        "1",
        "mean dose to the circulating blood per fraction over the fraction dose (set per site "
        "and technique)",
        "radiation",
        0.02,
        "Health Phys 1994 67:326 (PMID 8083044), probabilistic blood-dose model of cervical "
        "cancer protocols: 'the mean dose to the circulating blood is about 2% of the tumor "
        "dose, while the mean dose to recirculating lymphocytes may reach up to 7%'; published "
        "range 0.2% (Hammi et al. 2020, intracranial: 0.13 Gy after 30 photon fractions) to "
        "about 4% (Yovino et al. 2013, glioblastoma: mean ~2 Gy after 60 Gy)",
        upper=1,
    ),
    _p(
        "D0_c",
        "D_0^c",
        "Gy",
        "D0 of circulating and lymph-node (resting) lymphocytes (exponential survival)",
        "radiation",
        1.7,
        "Green et al. 1991 Int J Radiat Biol 59:749 (PMID 1672363): resting (G0) human T cells "
        "of 26 donors, D0 1.26-2.15 Gy with little donor-to-donor difference (midpoint taken; "
        "shared notes model-v2-literature.md 1.1, V); the in-field tumour-infiltrating T cells "
        "keep alpha_l, beta_l",
        lower_open=True,
    ),
    _p(
        "k_alc",
        "k_{alc}",
        "1/d",
        "recovery rate of circulating lymphocytes and of the draining lymph node towards "
        "their pre-treatment level",
        "radiation",
        _LN2 / 21.0,
        "Oncoimmunology 2018 e1445951 (doi 10.1080/2162402X.2018.1445951): after focal brain "
        "RT (4 Gy x 10 or 2 Gy x 30) mouse lymphocyte counts fell by 42-75% and were back at "
        "60-80% of baseline 3 weeks later, a deficit halving in about 3 weeks (half-time 21 d)",
        patient=_LN2 / 90.0,
        source_patient="assumed: human lymphocyte counts recover over months, often "
        "incompletely 6-12 months after conventional chemoradiotherapy, and no clean half-time "
        "is published (shared notes model-v2-literature.md 1.3, marked M: 30-120 d); "
        "half-time 90 d",
    ),
    _p(
        "dln_in_field",
        "f_{DLN}",
        "1",
        "share of the tumour-draining lymph node inside the radiation field (0 out, 1 in; "
        "simulate --node-in-field)",
        "radiation",
        0.0,
        "assumed default: the node is outside the field (focal, stereotactic or graft "
        "irradiation); the node holds the stem-like tumour-specific CD8+ T cells that sustain "
        "the response (Buchwald et al. 2020 J Immunother Cancer 8:e000867); in the field its "
        "lymphocytes die with D0_c at the full fraction dose",
        upper=1,
    ),
    _p(
        "rho_R",
        "\\rho_R",
        "1",
        "maximal relative loss of alpha and beta in the IRDS state",
        "radiation",
        0.3,
        "assumed: IRDS/U-ISGF3 proteins protect from DNA damage (Weichselbaum et al. 2008 PNAS "
        "105:18490; Cheon et al. 2013 EMBO J); size not published",
        upper=1,
    ),
    _p(
        "D_T",
        "D_T",
        "Gy",
        "dose per fraction for half-maximal TREX1 induction",
        "radiation",
        15.0,
        "Vanpouille-Box et al. 2017 Nat Commun 8:15618: TREX1 induced above 12-18 Gy",
        lower_open=True,
    ),
    _p(
        "n_T",
        "n_T",
        "1",
        "Hill coefficient of TREX1 induction with dose",
        "radiation",
        6.0,
        "assumed: steep threshold as in Vanpouille-Box 2017 (little induction at 8 Gy, strong "
        "at 20 Gy)",
    ),
    # ---------------------------------------------------------------- signalling
    _p(
        "k_mit",
        "k_{mit}",
        "1/d",
        "rate at which damaged cells pass mitosis and form micronuclei",
        "signalling",
        0.5,
        "assumed: micronuclei and cGAS activation need mitotic progression and appear 1-3 d "
        "after irradiation (Harding et al. 2017 Nature 548:466)",
    ),
    _p(
        "k_S",
        "k_S",
        "1/d",
        "basal turnover of cytosolic DNA",
        "signalling",
        1.0,
        "assumed: micronuclear DNA lasts about a day without TREX1 induction",
    ),
    _p(
        "k_TX",
        "k_{TX}",
        "1/d",
        "extra cytosolic DNA degradation per unit TREX1",
        "signalling",
        4.0,
        "assumed: induced TREX1 clears cytosolic DNA several-fold faster (Vanpouille-Box 2017)",
    ),
    _p(
        "k_Xd",
        "k_{Xd}",
        "1/d",
        "TREX1 decay",
        "signalling",
        0.35,
        "assumed: TREX1 protein stays up for days after induction (half-life 2 d)",
        lower_open=True,
    ),
    _p(
        "k_XA",
        "k_{XA}",
        "1/d",
        "TREX1 induction by the acute STAT1 signal (TREX1 is an ISG)",
        "signalling",
        0.1,
        "Gregg, Sarkar & Shoemaker 2019 J Theor Biol: TREX1 mRNA driven by "
        "pSTAT (k11f); scaled (assumed)",
    ),
    _p(
        "c_cgas",
        "c_{cGAS}",
        "1",
        "cGAS-STING input per unit cytosolic DNA",
        "signalling",
        2.0,
        "assumed: half-maximal STING activity at 0.5 units of cytosolic DNA",
    ),
    _p(
        "p_tum",
        "p_{tum}",
        "1/d",
        "tumour IFN-I production at full IRF3 activity",
        "signalling",
        16.0,
        "assumed: an acute burst reaching about 1-2 x IFNAR EC50",
    ),
    _p(
        "a_7",
        "a_7",
        "1",
        "IRF7 positive feedback: gain of tumour IFN-I production per unit acute signal",
        "signalling",
        4.0,
        "Gregg, Sarkar & Shoemaker 2019 J Theor Biol: IFN-b "
        "mRNA driven by IRF7 (k6f), IRF7 induced by pSTAT (k10f1); gain assumed",
    ),
    _p(
        "p_host",
        "p_{host}",
        "1/d",
        "host IFN-I production (DCs sensing tumour DNA via host STING) at saturating cell death",
        "signalling",
        16.0,
        "assumed: host STING-dependent IFN-b after ablative RT (Deng et al. 2014 Immunity 41:843; "
        "Burnette et al. 2011 Cancer Res 71:2488)",
    ),
    _p(
        "K_J",
        "K_J",
        "cells/d",
        "death flux for half-maximal DC sensing of tumour DNA and antigen",
        "signalling",
        3e6,
        "assumed: 10% of a mouse graft dying per day (calibrated with e and "
        "B_h to the targets of e)",
        patient=1e8,
        source_patient="assumed: 10% of a 1e9-clonogen tumour dying per day",
        lower_open=True,
    ),
    _p(
        "k_I",
        "k_I",
        "1/d",
        "clearance of IFN-I in the tumour microenvironment",
        "signalling",
        8.0,
        "assumed: IFN-b half-life of about 2 h in tissue",
        lower_open=True,
    ),
    _p(
        "k_F",
        "k_F",
        "1/d",
        "rate of the SOCS1/USP18 negative feedback",
        "signalling",
        3.0,
        "Mudla et al. 2020 eLife: USP18 feedback delay about 8 h (1/8 h = 3 /d)",
    ),
    _p(
        "w_F",
        "w_F",
        "1",
        "strength of SOCS1/USP18 feedback per unit acute signal",
        "signalling",
        1.0,
        "assumed: desensitisation halves the acute signal at full activation (Kok et al. "
        "2020 Mol Syst Biol)",
    ),
    _p(
        "k_U",
        "k_U",
        "1/d",
        "U-STAT1 synthesis per unit acute signal (STAT1 is an ISG)",
        "signalling",
        1.0,
        "assumed; Cheon & Stark 2009 PNAS 106:9373: IFN raises U-STAT1",
    ),
    _p(
        "k_UD",
        "k_{UD}",
        "1/d",
        "ligand-independent U-STAT1 induction by DNA damage",
        "signalling",
        0.05,
        "assumed: ISGs rise under fractionated 2 Gy even with IFN or STING blocked (J Exp "
        "Clin Cancer Res 2021, PMC8106844)",
    ),
    _p(
        "k_Ud",
        "k_{Ud}",
        "1/d",
        "U-STAT1 decay",
        "signalling",
        0.2,
        "Cheon & Stark 2009: U-STAT1 persists for several days (half-life 3.5 d, assumed)",
        lower_open=True,
    ),
    _p(
        "w_U",
        "w_U",
        "1",
        "USP18 desensitisation of the acute arm per unit U-STAT1",
        "signalling",
        1.0,
        "Sung et al. 2015 PNAS 112:10443: U-ISGF3 -> ISG15 -> USP18 unresponsiveness; "
        "strength assumed",
    ),
    _p(
        "K_U",
        "K_U",
        "1",
        "U-STAT1 level for half-maximal IRDS",
        "signalling",
        0.6,
        "assumed: IRDS established after 2-3 weeks of daily fractions (PMC8106844)",
        lower_open=True,
    ),
    _p(
        "k_R",
        "k_R",
        "1/d",
        "IRDS programme relaxation rate",
        "signalling",
        0.02,
        "assumed: ISG expression peaks after 2-3 weeks of daily 2 Gy (PMC8106844)",
    ),
    _p(
        "k_A",
        "k_A",
        "1/d",
        "extra death of damaged tumour cells per unit acute signal",
        "signalling",
        1.0,
        "assumed: sized so that STING/IRF3/IFNAR1/STAT1 loss raises the in-vitro SF2 of "
        "MPNST cells from 0.43 to 0.55 and SF8 1.6-fold (direction: Zhu et al. JCI 2026 "
        "CRISPRi screen; effect sizes not published)",
    ),
    _p(
        "K_G",
        "K_G",
        "1",
        "cytosolic DNA for half-maximal damage gating of IFN-induced death",
        "signalling",
        0.2,
        "assumed: half-saturated well below the cytosolic DNA left by one 2-Gy fraction, so the "
        "gate marks recently damaged cells",
        lower_open=True,
    ),
    _p(
        "tonic",
        "p_{ton}",
        "1/d",
        "tonic IFN-I production of a chronic-IFN (IRDS-high) tumour",
        "signalling",
        2.4,
        "assumed: a constant low IFN-I of 0.3 x EC50 (Cheon et al. 2013: "
        "continuous low IFN-b raises only U-ISGF3 proteins)",
    ),
    # ---------------------------------------------------------------- immune
    _p(
        "k_P",
        "k_P",
        "1/d",
        "DC activation and priming rate at saturating death signal",
        "immune",
        1.0,
        "assumed: priming within days of RT (Lee et al. 2009; Burnette 2011)",
    ),
    _p(
        "eps_P",
        "\\epsilon_P",
        "1",
        "IFN-independent share of DC activation",
        "immune",
        0.1,
        "Burnette et al. 2011: RT effect abolished in IFNAR-non-responsive hosts",
        upper=1,
    ),
    _p(
        "k_Pd",
        "k_{Pd}",
        "1/d",
        "decay of DC activation",
        "immune",
        0.3,
        "assumed: activated DC lifespan of a few days",
    ),
    _p(
        "k_T",
        "k_T",
        "1/d",
        "expansion of the primed tumour-specific CD8+ pool per unit DC activation",
        "immune",
        1.0,
        "assumed (scales Kosinsky 2018 k_pro = 3 /d, k_dif = 3.2 /d)",
    ),
    _p(
        "k_Tel",
        "k_{Tel}",
        "1/d",
        "elimination of primed CD8+ T cells",
        "immune",
        0.2,
        "Kosinsky et al. 2018: k_el = 0.2 /d",
    ),
    _p(
        "w_b",
        "w_b",
        "1",
        "antigen reaching DCs per spontaneously dying clonogen, relative to a cell dying "
        "after irradiation (baseline priming)",
        "immune",
        0.638,
        "calibrated (closed form, median untreated tumour, no tonic IFN): the tumour-specific "
        "effectors are 10% of the CD8+ infiltrate before treatment, as 'a capacity to recognize "
        "autologous tumor is limited to approximately 10% of intratumoral CD8+ T cells' "
        "(Scheper et al. 2019 Nat Med 25:89; abstract; bystanders abundant: Simoni et al. 2018 "
        "Nature 557:575): Phi_b = 0.1 k_Ed k_Tel k_Pd / (k_ET k_T k_P eps_P) = 0.06, "
        "w_b = Phi_b K_J / ((1 - Phi_b) delta_0 N_0); below 1 as spontaneous (mostly "
        "apoptotic) death is less immunogenic than radiation-induced death (Green et al. "
        "2009 Nat Rev Immunol 9:353)",
        patient=0.2364,
        source_patient="calibrated as in the mouse setting (the same 10% share at the median "
        "patient tumour, K_J and N_0 of that setting)",
        upper=1,
    ),
    _p(
        "f_mem",
        "f_{mem}",
        "1",
        "share of the eliminated primed CD8+ T cells that become long-lived memory cells",
        "immune",
        0.05,
        "Kaech & Cui 2012 Nat Rev Immunol 12:749: 90-95% of effector CD8+ T cells die in the "
        "contraction phase and 5-10% survive as memory cells (lower end taken)",
        upper=1,
    ),
    _p(
        "k_mem",
        "k_{mem}",
        "1/d",
        "loss of tumour-specific memory CD8+ T cells",
        "immune",
        _LN2 / (8.0 * 365.0),
        "Hammarlund et al. 2003 Nat Med 9:1131: antiviral CD8+ T-cell memory declines with a "
        "half-life of 8-15 years (8 taken); in mice memory CD8+ T cells persist for life "
        "(Homann et al. 2001 Nat Med 7:913), so this is an upper bound on the loss",
    ),
    _p(
        "k_Ed",
        "k_{Ed}",
        "1/d",
        "loss of effector CD8+ T cells in the tumour",
        "immune",
        2.0,
        "Kosinsky et al. 2018: k_apo = 2.0 /d for differentiated effectors",
    ),
    _p(
        "k_ET",
        "k_{ET}",
        "1/d",
        "infiltration of primed CD8+ T cells per unit pool",
        "immune",
        2.0,
        "assumed: a primed pool of 1 doubles the baseline CD8+ density",
    ),
    _p(
        "c_X",
        "c_X",
        "1",
        "CXCL9/10 gain of infiltration per unit acute tumour signal",
        "immune",
        4.0,
        "assumed: tumour IFNAR1-STAT1 signalling drives CXCL9/10 and CD8+ recruitment "
        "(Zhu et al. JCI 2026)",
    ),
    _p(
        "m_A",
        "m_A",
        "1",
        "MHC-I gain of killing per unit acute signal",
        "immune",
        2.0,
        "assumed: IFN-I raises MHC-I",
    ),
    _p(
        "e_kill",
        "e",
        "1/d",
        "kill rate of clonogens per unit primed effector density",
        "immune",
        4.0,
        "assumed: calibrated to Lee et al. 2009 Blood 114:589 (20 Gy cures about 60% of "
        "immunocompetent and no nude mice) and Stone, Peters & Milas 1979 JNCI (T-cell-deprived "
        "TCD50 2.1 x normal); Kosinsky 2018 e = 0.001 /d per cell for CT26",
        patient=0.12,
        source_patient="assumed: human MPNST are far less immunogenic than the "
        "immunogenic murine lines above; calibrated to radiotherapy alone of unresected "
        "soft-tissue sarcoma (Kepka et al. 2005 Int J Radiat Oncol Biol Phys 63:852, 112 "
        "patients, median dose 64 Gy: 5-y local control 45% overall and 22% below 63 Gy; "
        "abstract): the model gives 45% at 64 Gy/32 fx and 27% at 50 Gy/25 fx (5 y; "
        "re-calibrated with the growth-rate spread r_sigma, issue 15)",
    ),
    _p(
        "kappa_max",
        "\\kappa_{max}",
        "1/d",
        "maximal T-cell kill rate per clonogen (saturating kill)",
        "immune",
        1.5,
        "de Pillis et al. 2005 Cancer Res 65:7950 and Gonzalez-Crespo et al. "
        "2021: kill saturates in the effector:target ratio; maximum assumed (a clonogen under "
        "attack dies within about 16 h)",
        lower_open=True,
    ),
    _p(
        "B_h",
        "B_h",
        "cells",
        "tumour burden at which surface-limited immunosuppression halves T-cell kill",
        "immune",
        1e5,
        "Cho et al. 2023 (after Serre 2016): immunosuppression grows with "
        "tumour^(2/3); size assumed (1/300 of a treated graft; calibrated with e)",
        patient=3e6,
        source_patient="assumed: same fraction of the median gross tumour",
        lower_open=True,
    ),
    _p(
        "theta_S",
        "\\theta_S",
        "1",
        "maximal protection of tumour cells from T-cell kill by ISG-encoded inhibitors "
        "(Serpinb9-like, at Z = 1)",
        "immune",
        0.3,
        "Medema et al. 2001 PNAS 98:11515 (PI-9/SPI-6 inactivates granzyme B: tumour cells "
        "expressing it resist CTL killing in vitro and in vivo); Chen et al. 2019 JCI 129:4224 "
        "(IFNAR-induced Serpinb9); size ASSUMED (unchanged since version 1): a search of the "
        "stored literature (session 8) found no per-cell measurement of the kill a granzyme-B "
        "serpin in target cells removes (the killing numbers of Medema 2001, Bird et al. 1998 "
        "Mol Cell Biol 18:6387, Jiang et al. 2006 Endocrinology 147:1419 and Jiang et al. 2020 "
        "Cell 183:1219 are in figures not available here), only bounds: below 1, as PI-9 does "
        "not block Fas-mediated death (Bird 1998) and granzyme-B-deficient CTL still kill, "
        "more slowly (Heusel et al. 1994 Cell 76:977); and above m_A/(1 + m_A) if IFN-alpha "
        "lowers the per-cell CTL kill although it 'markedly increased' MHC class I, with PI-9 "
        "induced and Fas intact, as in human hepatocyte lines (Willberg et al. 2007 PLoS ONE "
        "2:e791; 2/3 at the assumed m_A = 2, not met), while IFN pretreatment made low-passage "
        "fibroblasts 2-3 times more susceptible to CTL lysis (Bukowski & Welsh 1985 J Exp Med "
        "161:257)",
        upper=1,
    ),
    _p(
        "k_sb",
        "k_{sb}",
        "1/d",
        "turnover of the ISG-encoded inhibitors of T-cell kill (Serpinb9-like) in tumour cells",
        "immune",
        _LN2 / (46.0 / 24.0),
        "Schwanhausser et al. 2011 Nature 473:337: median protein half-life 46 h in mouse "
        "fibroblasts (the induced inhibitor follows its drive, acute IFN signalling and the "
        "IRDS state, with this half-life)",
        lower_open=True,
    ),
    # ---------------------------------------------------------------- second lesion
    _p(
        "second_lesion",
        "s_2",
        "1",
        "a second, unirradiated lesion (1) or none (0): it shares the systemic primed CD8+ "
        "pool, grows and is killed by the effectors that reach it, and receives no dose",
        "tumour",
        0.0,
        "switch (issue 15 item 13; the bilateral graft of Demaria et al. 2005 Clin Cancer Res "
        "11:728 and Dewan et al. 2009 Clin Cancer Res 15:5379)",
        upper=1,
    ),
    _p(
        "n0_second",
        "N_0^{(2)}",
        "cells",
        "clonogens of the second (unirradiated) lesion at the first fraction",
        "tumour",
        3e7,
        "assumed: the size of the median irradiated graft (the contralateral graft of "
        "Dewan et al. 2009 was implanted two days later and treated at a similar size)",
        patient=2.7e9,
        source_patient="assumed: the size of the median gross tumour",
        lower_open=True,
    ),
    # ---------------------------------------------------------------- Tregs, macrophages
    _p(
        "k_reg",
        "k_{reg}",
        "1/d",
        "turnover of regulatory T cells (Tregs) in the tumour",
        "immune",
        _LN2 / 8.0,
        "Vukmanovic-Stejic et al. 2006 J Clin Invest 116:2423: CD4+CD25hi Tregs are highly "
        "proliferative, doubling time about 8 days (in vivo deuterium labelling)",
        lower_open=True,
    ),
    _p(
        "r_reg",
        "r_{reg}",
        "1",
        "rise of Treg recruitment/expansion in the tumour at a saturating death signal",
        "immune",
        1.0,
        "Muroyama et al. 2017 Cancer Immunol Res 5:992 (intratumoural Tregs increase and "
        "proliferate after RT); Kachikwu et al. 2011 Int J Radiat Oncol Biol Phys 81:1128 "
        "(Treg share rises after RT); size assumed: a doubling at Phi = 1",
    ),
    _p(
        "s_reg",
        "s_{reg}",
        "1",
        "suppression of CD8+ priming by intratumoural Tregs (priming scaled by "
        "(1 + s_reg)/(1 + s_reg Treg), 1 before treatment)",
        "immune",
        0.15,
        "Sakaguchi et al. 2008 Cell 133:775 (Tregs suppress priming, e.g. CTLA-4-dependent "
        "removal of CD80/86 from DCs); size assumed and kept small so that the calibration "
        "results of the literature panel do not move (issue 15 item 11)",
    ),
    _p(
        "k_mac",
        "k_{mac}",
        "1/d",
        "rate of macrophage (re)polarisation towards its drive",
        "immune",
        0.5,
        "assumed: iNOS+ M1 macrophages appear within days of low-dose RT (Klug et al. 2013 "
        "Cancer Cell 24:589); polarisation in vitro takes 1-2 days (Murray et al. 2014 "
        "Immunity 41:14)",
        lower_open=True,
    ),
    _p(
        "m1_base",
        "m_{1,0}",
        "1",
        "M1-like share of tumour-associated macrophages without IFN or T-cell signals",
        "immune",
        0.2,
        "assumed: untreated tumours hold mostly M2-like (Arg1/Mrc1-high) TAMs (Mantovani et "
        "al. 2002 Trends Immunol 23:549; Tsai et al. 2007 Int J Radiat Oncol Biol Phys "
        "68:499); IFN-I and T-cell IFN-gamma polarise them towards M1 (Murray et al. 2014)",
        upper=1,
    ),
    _p(
        "k_pdl",
        "k_{pdl}",
        "1/d",
        "PD-L1/exhaustion relaxation rate",
        "immune",
        1.0,
        "Kosinsky et al. 2018: k_pdl = 1.0 /d",
    ),
    _p(
        "l_E",
        "l_E",
        "1",
        "PD-L1/exhaustion per unit primed effector density (saturating)",
        "immune",
        2.0,
        "assumed: adaptive resistance (Kosinsky 2018 K_pdl = 478 cells)",
    ),
    _p(
        "l_A",
        "l_A",
        "1",
        "PD-L1 per unit acute IFN signal",
        "immune",
        0.5,
        "assumed: IFN-I induces PD-L1 on tumour cells; smaller than the effector-driven term",
    ),
    _p(
        "l_R",
        "l_R",
        "1",
        "PD-L1/exhaustion in the IRDS state",
        "immune",
        0.3,
        "assumed: chronic IFN drives PD-L1 and exhaustion (Pitroda & Weichselbaum JCI 2026)",
    ),
    # ---------------------------------------------------------------- interventions
    _p(
        "k_ag",
        "k_{ag}",
        "1/d",
        "clearance of an intratumoural STING agonist",
        "intervention",
        2.0,
        "assumed: cGAMP-like agonists act for about a day",
    ),
    _p(
        "k_nec",
        "k_{nec}",
        "1/d",
        "death rate of tumour cells by host-STING-dependent, T-cell-independent haemorrhagic "
        "necrosis under a saturating STING agonist (rate k_nec h_STING g/(1+g))",
        "intervention",
        2.45,
        "Wang et al. 2009 Neoplasia 11:793 (PMC2713591), Colon 38 tumours treated with DMXAA, "
        "a vascular-disrupting agent that is a mouse STING agonist (Jeong et al. 2021 Nat "
        "Commun 12:4405: DMXAA 'exerts a potent anti-tumour effect that is caused by tumour "
        "endothelial cell (EC)-specific apoptosis and extensive haemorrhage within tumour'): "
        "'Tumor mass declined 50% 24 hours after DMXAA administration'; taken as half of the "
        "tumour's cells killed within 24 h of dose 1 (assumption: the model's unit agonist "
        "dose acts as that dose of DMXAA, and mass lost is cells killed). With g = exp(-k_ag "
        "t) the exposure over the first day is int_0^1 g/(1+g) dt = ln(2/(1+exp(-k_ag)))/k_ag "
        "= 0.2831 d (k_ag = 2 /d), so k_nec = ln 2 / 0.2831 = 2.45 /d. Host STING, not tumour "
        "STING: Francica et al. 2018 Cancer Immunol Res 6:422 ('bone marrow-derived TNFalpha "
        "was necessary for CDN-induced necrosis, STING signaling in radioresistant stromal "
        "cells was also essential for CDN-mediated tumor rejection'); Demaria et al. 2015 PNAS 112:15408 (tumour endothelial "
        "cells are the main IFN-I source after intratumoural cGAMP). Patient value: the mouse "
        "value (assumption; no human measurement)",
    ),
    _p(
        "k_pd1",
        "k_{pd1}",
        "1/d",
        "decay of anti-PD-1 receptor occupancy",
        "intervention",
        0.1,
        "assumed: antibody half-life about 7 d in mice",
        patient=0.027,
        source_patient="assumed: nivolumab half-life about 26 d",
    ),
    _p(
        "k_ctla",
        "k_{ctla}",
        "1/d",
        "decay of anti-CTLA-4 receptor occupancy",
        "intervention",
        0.1,
        "assumed: antibody half-life about 7 d in mice (as anti-PD-1)",
        patient=_LN2 / 15.0,
        source_patient="ipilimumab half-life about 15 d (Feng et al. 2013 Clin Cancer Res 19:3977)",
        lower_open=True,
    ),
    _p(
        "k_dep",
        "k_{dep}",
        "1/d",
        "Treg depletion by anti-CTLA-4 (Fc-receptor-mediated) at full occupancy",
        "intervention",
        1.0,
        "Selby et al. 2013 Cancer Immunol Res 1:32 and Simpson et al. 2013 J Exp Med 210:1695 "
        "(anti-CTLA-4 depletes intratumoural Tregs through FcgammaRIV-bearing macrophages "
        "within days); rate assumed: about 90% of them gone at steady occupancy",
    ),
    _p(
        "m_ctla",
        "m_{ctla}",
        "1",
        "enhancement of CD8+ priming by CTLA-4 blockade at full occupancy (CD28 costimulation)",
        "intervention",
        0.5,
        "Twyman-Saint Victor et al. 2015 Nature 520:373 (anti-CTLA-4 with RT raises the "
        "CD8/Treg ratio and diversifies the T-cell repertoire); Krummel & Allison 1995 J Exp "
        "Med 182:459 (CTLA-4 blockade enhances T-cell responses); size assumed, set before "
        "any panel run",
    ),
    _p(
        "k_ox40",
        "k_{ox40}",
        "1/d",
        "decay of agonist anti-OX40 receptor occupancy (antibody clearance)",
        "intervention",
        _LN2 / 7.0,
        "Bazin-Redureau et al. 1997 J Pharm Pharmacol 49:277 (rat IgG in the rat: 'IgG "
        "elimination half-lives ranged from 5.33 to 8.10 days'); the agonist used in mice "
        "(OX86) is a rat IgG1: half-life taken as 7 d (assumed to carry over to the mouse)",
        patient=_LN2 / 15.0,
        source_patient="assumed: a human IgG agonist with the half-life of ipilimumab, about "
        "15 d (Feng et al. 2013 Clin Cancer Res 19:3977), as k_ctla",
        lower_open=True,
    ),
    _p(
        "m_ox40",
        "m_{ox40}",
        "1",
        "extra expansion of newly primed CD8+ T cells by OX40 co-stimulation at full "
        "occupancy (fold 1 + m_ox40 of the priming flux)",
        "intervention",
        1.0,
        "Gramaglia et al. 1998 J Immunol 161:6510 (OX40 on activated T cells 'peaked 2 to 3 "
        "days after activation, and was lost by 4 to 5 days'; OX40 signals 'act after initial "
        "activation events to prolong clonal expansion'); Weinberg et al. 2011 (PMC3622727: "
        "OX40 'is upregulated on the most recently antigen-activated T cells'); Redmond et "
        "al. 2007 Eur J Immunol 37:157 (agonist anti-OX40 increases CD8+ memory); so the "
        "agonist multiplies the ongoing priming flux, not the standing pool; maximal fold 2 "
        "assumed (no published fold used), set before any panel run",
    ),
    _p(
        "p_ifnb",
        "p_{IFNb}",
        "EC50/d",
        "intratumoural delivery rate of exogenous IFN-beta at dose 1 (ifn-beta intervention)",
        "intervention",
        8.0,
        "dose 1 holds IFN-I at p_ifnb / k_I = 1 IFNAR EC50 when nothing else makes IFN-I: the "
        "lower end of the model's RT-induced burst (p_tum: 'an acute burst reaching about 1-2 "
        "x IFNAR EC50'; ablative RT raises intratumoural IFN-beta, Burnette et al. 2011 Cancer "
        "Res 71:2488), held over the window as adenoviral IFN-beta expression is; the level "
        "reached by adenoviral delivery was not found: assumption",
    ),
    # ---------------------------------------------------------------- population (cohorts)
    _p(
        "alpha_cv",
        "CV_\\alpha",
        "1",
        "between-tumour coefficient of variation of alpha",
        "population",
        0.1,
        "assumed: one inbred tumour line",
        patient=0.23,
        source_patient="Webb & Nahum 1993 Phys Med Biol 38:653: sigma_alpha = 0.08 "
        "around alpha = 0.35 /Gy",
    ),
    _p(
        "ab_gsd",
        "GSD_{\\alpha/\\beta}",
        "1",
        "geometric SD of alpha/beta between tumours",
        "population",
        1.0,
        "assumed: one tumour line",
        patient=2.0,
        source_patient="assumed: MPNST alpha/beta unknown; sample 1-16 Gy around 4 (Thames 1990, "
        "Cho 2023, Gonzalez-Crespo 2021 use 0.4-14)",
        lower=1,
    ),
    _p(
        "alc0_sigma",
        "\\sigma_{ALC}",
        "1",
        "SD of log baseline absolute lymphocyte count between patients",
        "population",
        0.0,
        "assumed: inbred mice, one count (the mouse counts are read relative to alc0)",
        patient=0.264,
        source_patient="Radiat Oncol 2019 14:86 (doi 10.1186/s13014-019-1287-z), Table 2: "
        "baseline lymphocyte count median 1600, IQR 1400-2000 cells/uL (n = 115); log-normal "
        "SD = ln(2000/1400) / 1.349 = 0.264",
    ),
    _p(
        "n0_sigma",
        "\\sigma_{N_0}",
        "1",
        "SD of log clonogen number between tumours",
        "population",
        0.3,
        "assumed: graft volumes within about 1.5-fold at treatment",
        patient=1.0,
        source_patient="assumed: tumour volumes spanning a decade",
    ),
    _p(
        "r_sigma",
        "\\sigma_r",
        "1",
        "SD of log clonogen growth rate between tumours",
        "population",
        0.0,
        "assumed: one tumour line",
        patient=0.6,
        source_patient="calibrated with r (median) to the failure times of Eilber et al. 2005 "
        "(see r): without it every failure falls 1-2.5 years after 50 Gy/25 fx; sarcoma "
        "volume doubling times span about a decade (assumed)",
    ),
    _p(
        "tau_omega",
        "\\omega_\\tau",
        "1",
        "SD of log T-cell infiltration ability",
        "population",
        0.696,
        "Kosinsky et al. 2018: random effect Omega = 0.696 on naive T-cell influx; "
        "infiltration ability is the main source of variability",
    ),
    _p(
        "p_cluster",
        "p_{9p21}",
        "1",
        "probability of 9p21 loss with the type I IFN cluster",
        "population",
        0.0,
        "inbred graft: fixed by the chosen genotype",
        patient=0.3,
        source_patient="assumed: CDKN2A/B loss is common in MPNST; co-deletion of "
        "the IFN cluster in about a third (Zhu et al. JCI 2026 discuss 9p21/IFN loss)",
        upper=1,
    ),
    _p(
        "p_sting_silenced",
        "p_{STING}",
        "1",
        "probability of STING silencing",
        "population",
        0.0,
        "inbred graft: fixed by the chosen genotype",
        patient=0.2,
        source_patient="assumed: no MPNST frequency found; epigenetic STING silencing is common in "
        "cancers",
        upper=1,
    ),
    _p(
        "p_chronic",
        "p_{chr}",
        "1",
        "probability of a chronic-IFN (IRDS-high) baseline",
        "population",
        0.0,
        "inbred graft: fixed by the chosen genotype",
        patient=0.3,
        source_patient="assumed: about a third of tumours are IRDS(+) (Weichselbaum et al. 2008)",
        upper=1,
    ),
    _p(
        "chronic_sigma",
        "\\sigma_{chr}",
        "1",
        "SD of log tonic IFN amplitude among chronic-IFN tumours",
        "population",
        0.0,
        "inbred graft: one amplitude",
        patient=0.5,
        source_patient="assumed: IRDS scores vary continuously among IRDS(+) tumours",
    ),
    # ---------------------------------------------------------------- outcome
    _p(
        "alc0",
        "ALC_0",
        "1e9/L",
        "median absolute blood lymphocyte count before treatment (scale of the alc readouts; "
        "log-normal between patients with alc0_sigma)",
        "outcome",
        1.6,
        "Radiat Oncol 2019 14:86 (doi 10.1186/s13014-019-1287-z), stage III NSCLC before "
        "chemoradiotherapy, n = 115, Table 2: baseline total lymphocyte count 'Baseline 1600 "
        "(1400-2000)' cells/uL (median, IQR); the log-normal's mean 1.6 exp(0.264^2/2) = 1.66 "
        "agrees with the mean 1.65 x 10^9/L of Yu et al. (limited-stage SCLC, n = 503; shared "
        "notes model-v2-literature.md 1.2, V); used in both settings (the mouse counts are "
        "read relative to it)",
        lower_open=True,
    ),
    _p(
        "alc_severe",
        "ALC_{sev}",
        "1e9/L",
        "absolute lymphocyte count below which lymphopenia is severe",
        "outcome",
        0.5,
        "CTCAE grade 3 lymphocyte count decreased: < 0.5 x 10^9/L",
        lower_open=True,
    ),
    _p(
        "fail_ratio",
        "f_{fail}",
        "1",
        "local failure = regrowth to this multiple of N_0 (gross disease)",
        "outcome",
        1.0,
        "assumed: regrowth to the pre-treatment size marks failure in graft experiments",
        lower_open=True,
    ),
    _p(
        "ifn_acute_min",
        "\\theta_{acute}",
        "EC50",
        "IFN-I rise above the pre-treatment level that counts as a burst (label rule)",
        "outcome",
        1.0,
        "derived: one IFNAR EC50 above baseline, the rise at which IFNAR-STAT1 signalling "
        "(I/(1+I)) reaches half its maximum, the range where ISGs are induced (IFN-I is in "
        "units of its EC50); smaller rises (0.1 Gy: median 0.3 EC50 in the patient setting) "
        "are not a burst",
    ),
    _p(
        "ifn_chronic_min",
        "\\theta_{chronic}",
        "EC50",
        "IFN-I level 4 weeks after the last fraction that counts as sustained (label rule)",
        "outcome",
        0.14,
        "derived: the sustained IFN-I at which steady-state U-STAT1 (k_U s / k_Ud) reaches "
        "K_U, i.e. a half-maximal IRDS programme: s = K_U k_Ud / k_U = 0.12, I = s/(1-s) = "
        "0.136 EC50 (Cheon et al. 2013: sustained low IFN-b raises U-ISGF3)",
    ),
    _p(
        "n_detect",
        "N_{det}",
        "cells",
        "clonogens at which a post-operative recurrence is detected",
        "outcome",
        1e8,
        "assumed: about 1 cm3 at 1e8 clonogen-equivalents",
        lower_open=True,
    ),
)

_BY_NAME = {p.name: p for p in PARAMETERS}
if len(_BY_NAME) != len(PARAMETERS):  # pragma: no cover - declaration error
    raise RuntimeError("duplicate parameter names in PARAMETERS")


def _check_setting(setting: str) -> str:
    if setting not in SETTINGS:
        raise UnknownNameError(f"unknown setting {setting!r}; accepted: {', '.join(SETTINGS)}")
    return setting


def parameters(setting: str = "patient", **overrides: float) -> dict[str, float]:
    """Return the parameter values of ``setting`` as a dict, with optional overrides by name.

    Parameters
    ----------
    setting
        ``"patient"`` or ``"mouse"`` (:data:`SETTINGS`).
    **overrides
        Parameter values by name that replace the declared ones.

    Returns
    -------
    dict
        Every parameter of :data:`PARAMETERS` by name, as floats.

    Raises
    ------
    UnknownNameError
        Unknown setting or overridden parameter name.
    ValidationError
        An override that is not a finite number in the parameter's range (``lower``,
        ``upper``, ``lower_open`` of its declaration; ``Parameter.check``), or a carrying
        capacity ``K`` not above the starting size ``n0`` / ``n0_postop``.
    """
    _check_setting(setting)
    values = {p.name: p.value(setting) for p in PARAMETERS}
    for k, v in overrides.items():
        if k not in values:
            close = difflib.get_close_matches(k, list(values), n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
            raise UnknownNameError(
                f"unknown model parameter {k!r}; {hint}known: {', '.join(values)}"
            )
        values[k] = _BY_NAME[k].check(v)
    if overrides:
        check_values(values)
    return values


def check_values(values: dict[str, float]) -> None:
    """Check the ranges that involve two parameters (each one's own range is :meth:`Parameter.check`).

    The carrying capacity ``K`` must exceed the starting sizes ``n0`` and ``n0_postop`` (and
    ``n0_second`` with a second lesion): a tumour that starts above its bed's capacity shrinks
    without treatment. ``second_lesion`` is a switch, 0 or 1.

    Raises
    ------
    ValidationError
        Naming the parameters, their values and the accepted range.
    """
    for start in ("n0", "n0_postop"):
        if values["K"] <= values[start]:
            raise ValidationError(
                f"parameter 'K' (carrying capacity, {values['K']:g} cells) must be > {start!r} "
                f"(the starting clonogen number, {values[start]:g} cells)"
            )
    if values["second_lesion"] not in (0.0, 1.0):
        raise ValidationError(
            f"parameter 'second_lesion' is a switch: 0 (none) or 1 (a second, unirradiated "
            f"lesion), got {values['second_lesion']:g}"
        )
    if values["second_lesion"] and values["K"] <= values["n0_second"]:
        raise ValidationError(
            f"parameter 'K' (carrying capacity, {values['K']:g} cells) must be > 'n0_second' "
            f"(the second lesion's starting clonogen number, {values['n0_second']:g} cells)"
        )


def parameter_table() -> pd.DataFrame:
    """All parameters as a DataFrame.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``symbol``, ``group``, ``unit``, ``mouse``, ``patient``, ``meaning``,
        ``source``, ``source_patient``, ``range`` (accepted values of an override).
    """
    return pd.DataFrame(
        [
            {
                "name": p.name,
                "symbol": p.symbol,
                "group": p.group,
                "unit": p.unit,
                "mouse": p.mouse,
                "patient": p.patient,
                "meaning": p.meaning,
                "source": p.source,
                "source_patient": p.source_patient,
                "range": p.range_text,
            }
            for p in PARAMETERS
        ]
    )


def get_parameter(name: str) -> Parameter:
    """Return the declaration of parameter ``name``.

    Parameters
    ----------
    name
        A parameter name of :data:`PARAMETERS` (e.g. ``"alpha"``).

    Returns
    -------
    Parameter
        Its unit, value per setting and source.

    Raises
    ------
    UnknownNameError
        No parameter has that name.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownNameError(f"unknown model parameter {name!r}") from None
