"""Write ``validation/gmm/reference.csv``.

The numbers below are transcribed by hand from ``shared/reference/gmm.md`` (each row carries
its citation: paper, manual example, package printout); the ``plm_*`` cases are read from
``plm_extra.out``, the raw output of ``plm_extra.R``.  Run from the repository root::

    python validation/gmm/make_reference.py
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
rows = []
T = ["L1.n","L2.n","w","L1.w","k","L1.k","L2.k","ys","L1.ys","L2.ys"]
TB = ["L1.n","L2.n","w","L1.w","k","ys","L1.ys"]
TBB = ["L1.n","w","L1.w","k","L1.k"]
YR = ["C(year)[1978]","C(year)[1979]","C(year)[1980]","C(year)[1981]","C(year)[1982]","C(year)[1983]"]
def add(case, q, terms, vals, tol, src):
    if isinstance(terms, str): terms, vals = [terms], [vals]
    for t, v in zip(terms, vals, strict=True):
        rows.append([case, q, t, v, tol, src])
S1 = "Stata [XT] xtabond Example 1 (= AB 1991 Table 4 col a1), via gmm.md 3.1"
S2 = "Stata [XT] xtabond Example 2 vce(robust) (= AB 1991 a1 robust SEs), via gmm.md 3.1"
X2 = "xtabond2 printout, Roodman (2009) 3.3, via gmm.md 3.1"
P = "R plm 2.6.2 pgmm on EmplUK, via gmm.md"
# ---- 3.1 a1 one-step
c = "ab_a1_onestep_robust"
add(c, "coef", T, [.6862261,-.0853582,-.6078208,.3926237,.3568456,-.0580012,-.0199475,.6085073,-.7111651,.1057969], 1e-6, S1)
add(c, "se", T, [.1445943,.0560155,.1782055,.1679931,.0590203,.0731797,.0327126,.1725313,.2317163,.1412021], 1e-6, S2)
add(c, "coef", YR, [.0077033,.0172578,.0297185,-.004071,-.0193555,-.0136171], 1e-6, X2 + " (xtabond2 year dummies yr1978-yr1983)")
add(c, "se", YR, [.0314106,.0290922,.0276617,.0298987,.0228436,.0188263], 1e-6, X2 + " (xtabond2 year dummies, robust SE)")
add(c, "ar", ["1","2"], [-3.5996,-.51603], 1e-4, S2)
add(c, "sargan", "", 67.59, 0.005, "xtabond2 Sargan chi2(25), via gmm.md 3.1 and 2")
add(c, "hansen", "", 31.38, 0.005, "xtabond2 Hansen chi2(25) after one-step, via gmm.md 3.1")
add(c, "hansen_excl", "IV-style instruments", 12.01, 0.005, "xtabond2 difference-in-Hansen, iv() group excluded chi2(11), via gmm.md 3.1")
add(c, "dih", "IV-style instruments", 19.37, 0.005, "xtabond2 difference-in-Hansen, iv() group difference chi2(14), via gmm.md 3.1")
add(c, "wald_all", "", 1727.45, 0.005, X2 + " Wald chi2(16)")
add(c, "wald_slopes", "", 408.2859, 1e-3, P + " robust Wald slopes chi2(10) (EmplUK copy of the data)")
add(c, "wald_time", "", 11.57904, 1e-4, P + " robust Wald time effects chi2(6)")
add(c, "n_instruments", "", 41, 0, "gmm.md 2 (AB a1 model: 41 instruments)")
add(c, "nobs", "", 611, 0, "gmm.md 2 (611 differenced observations)")
c = "ab_a1_onestep_unadjusted_nk"
add(c, "se", T, [.1486163,.0444365,.0657694,.1092374,.0370314,.0583051,.0416274,.1345412,.1844599,.1428568], 1e-6, S1 + " non-robust SEs (sigma2 = SSR/(2(n-k)))")
add(c, "ar", ["1","2"], [-3.9394,-.54239], 1e-4, S1 + " non-robust AR tests")
add(c, "sargan", "", 65.818, 1e-3, "gmm.md 2: one-step Sargan with sigma2 = SSR/(2(n-k)) for a1")
# ---- 3.2 a2 two-step
S4 = "Stata [XT] xtabond Example 4 twostep vce(robust), via gmm.md 3.2"
c = "ab_a2_twostep_windmeijer"
add(c, "coef", T, [.6287089,-.0651882,-.5257597,.3112899,.2783619,.0140994,-.0402484,.5919243,-.5659863,.1005433], 1e-6, S4)
add(c, "se", T, [.1934138,.0450501,.1546107,.2030006,.0728019,.0924575,.0432745,.1730916,.2611008,.1610987], 1e-6, S4 + " Windmeijer SEs")
add(c, "ar", ["1","2"], [-2.1255,-.35166], 1e-4, S4)
add(c, "hansen", "", 31.381416, 1e-4, P + " Hansen chi2(25) (EmplUK copy)")
add(c, "wald_slopes", "", 269.1608, 1e-3, P + " Windmeijer Wald slopes chi2(10)")
add(c, "wald_time", "", 15.43165, 1e-4, P + " Windmeijer Wald time effects chi2(6)")
c = "ab_a2_twostep_unadjusted"
add(c, "se", T, [0.090454233796,0.026500891072,0.053769257695,0.094011555613,0.044908359793,0.052804611356,0.025803746251,0.116211155063,0.139673559146,0.112674583081], 1e-6, P + " two-step non-robust SEs = AB 1991 a2")
add(c, "ar", ["1","2"], [-2.999770,-.415754], 1e-5, P + " non-robust two-step m1/m2 (= DPD-Ox abest3 -3.000/-0.4158)")
add(c, "wald_slopes", "", 667.0498, 1e-3, P + " non-robust Wald slopes chi2(10)")
add(c, "wald_time", "", 24.93988, 1e-4, P + " non-robust Wald time effects chi2(6)")
# ---- 3.3 b two-step
PC = "R plm 2.6.2 pgmm run on abdata.csv, via gmm.md 3.3"
c = "ab_b_twostep_windmeijer"
add(c, "coef", TB, [0.47415059015,-0.05296765903,-0.51320491837,0.22463995397,0.29272319226,0.60977601409,-0.44637357933], 1e-7, PC)
add(c, "se", TB, [0.185398576716,0.051749117653,0.145565525219,0.141949769270,0.062627064052,0.156262816685,0.217302565698], 1e-7, PC + " Windmeijer SEs")
add(c, "hansen", "", 30.112482, 1e-5, PC + " Hansen chi2(25)")
add(c, "ar", ["1","2"], [-1.538449,-.279683], 1e-5, PC + " Windmeijer m1/m2 (xtabond2 -1.54/-0.28)")
add(c, "wald_slopes", "", 142.0353, 1e-3, P + " Windmeijer Wald slopes chi2(7)")
add(c, "wald_time", "", 16.97046, 1e-4, P + " Windmeijer Wald time effects chi2(6)")
add(c, "n_instruments", "", 38, 0, "gmm.md 2 (AB col b model: 38 instruments)")
c = "ab_b_twostep_unadjusted"
add(c, "se", TB, [0.085303066655,0.027284333782,0.049345385317,0.080062715219,0.039462586712,0.108523712799,0.124814615788], 1e-6, P + " two-step non-robust SEs = AB 1991 col b")
add(c, "ar", ["1","2"], [-2.427829,-.332540], 1e-5, P + " non-robust two-step m1/m2 (= DPD-Ox abest1)")
add(c, "wald_slopes", "", 371.9877, 1e-3, P + " non-robust Wald slopes chi2(7) (plm vignette)")
add(c, "wald_time", "", 26.9045, 1e-3, P + " non-robust Wald time effects chi2(6)")
# ---- 3.4 b one-step
G = "plm 2.6.2 = gretl abest1 = Windmeijer (2005) Table 2 one-step, via gmm.md 3.4"
c = "ab_b_onestep_robust"
add(c, "coef", TB, [0.534613619826,-0.075069187580,-0.591573111833,0.291509611078,0.358502454647,0.597198477120,-0.611704452510], 1e-5, G + " (EmplUK copy; float32 data differences up to 3e-6)")
add(c, "se", TB, [0.166449277676,0.067978877961,0.167883806267,0.141057819177,0.053828402713,0.171932812587,0.211795903307], 1e-6, G + " robust SEs")
add(c, "ar", ["1","2"], [-2.49337,-0.359446], 1e-5, "gretl abest1.out robust AR(1)/AR(2), via gmm.md 3.4")
add(c, "wald_slopes", "", 219.6233, 1e-3, P + " robust Wald slopes chi2(7)")
add(c, "wald_time", "", 11.45041, 1e-4, P + " robust Wald time effects chi2(6)")
c = "ab_b_onestep_unadjusted_nk"
add(c, "sargan", "", 73.8581, 1e-3, "gretl abest1.out Sargan chi2(25) (= DPD), sigma2 = SSR/(2(n-k)), via gmm.md 3.4 and 2")
# ---- 3.5 BB98 model
PB = "R plm 2.6.2 pgmm (BB98 model, EmplUK), via gmm.md 3.5"
c = "bb_dif_onestep_robust"
add(c, "coef", TBB, [0.707470114112,-0.708796651391,0.500014734211,0.465977792671,-0.215130987153], 1e-6, PB + " DIF one-step (= DPD-Ox .707470 ...)")
add(c, "se", TBB, [0.08417882552,0.11710195907,0.11132821983,0.10104403119,0.08585249277], 1e-6, PB + " DIF one-step robust SEs")
add(c, "ar", ["1","2"], [-5.595913,-0.136686], 1e-5, PB + " DIF one-step robust AR")
add(c, "n_instruments", "", 91, 0, "gmm.md 3.5 (DIF: 751 obs, 91 instruments)")
add(c, "nobs", "", 751, 0, "gmm.md 3.5")
c = "bb_dif_twostep_windmeijer"
add(c, "coef", TBB, [0.678786666023,-0.719829836008,0.462690923992,0.453904846982,-0.191492392322], 1e-6, PB + " DIF two-step (= DPD-Ox)")
add(c, "se", TBB, [0.08907804192,0.12214075196,0.11347556881,0.12755360344,0.10446701983], 1e-6, PB + " DIF two-step Windmeijer SEs")
add(c, "hansen", "", 88.796542, 1e-4, PB + " J chi2(79) (DPD-Ox 88.80)")
add(c, "ar", ["1","2"], [-4.461858,-0.168748], 1e-5, PB + " Windmeijer AR (gretl -4.46186/-0.168749)")
XS = "xtabond2 h(3) robust small printout, Roodman (2009) 3.4, via gmm.md 3.5"
c = "bb_sys_h3_onestep_robust"
add(c, "coef", TBB, [0.935605351768,-0.630976199533,0.482620316359,0.483929911102,-0.424392853567], 1e-6, PB + " SYS h(3) one-step (transformation='ld')")
add(c, "se", TBB, [0.02629505310,0.11805352875,0.13688713364,0.05386693770,0.05847881056], 1e-6, PB + " SYS one-step robust SEs")
add(c, "hansen", "", 110.70, 0.005, XS + " Hansen chi2(100)")
add(c, "hansen_excl", "GMM instruments for levels", 84.33, 0.005, XS + " difference-in-Hansen, GMM levels group excluded chi2(79)")
add(c, "dih", "GMM instruments for levels", 26.37, 0.005, XS + " difference-in-Hansen, GMM levels group chi2(21)")
add(c, "hansen_excl", "time effects", 107.79, 0.005, XS + " difference-in-Hansen, iv(yr*, eq(level)) excluded chi2(93)")
add(c, "dih", "time effects", 2.91, 0.005, XS + " difference-in-Hansen, iv(yr*, eq(level)) chi2(7)")
add(c, "ar", ["1","2"], [-5.46,-0.25], 0.005, XS + " AR tests (plm's mtest gives -4.81: diverging implementation)")
add(c, "n_instruments", "", 113, 0, "gmm.md 3.5 (SYS: 891 obs, 113 instruments)")
add(c, "nobs", "", 891, 0, "gmm.md 3.5")
add(c, "sargan", "", 186.90, 0.005, XS + " Sargan chi2(100)")
c = "bb_sys_h3_onestep_robust_small"
add(c, "coef", TBB + ["Intercept"], [.9356053,-.6309761,.4826203,.4839299,-.4243928,.5522011], 1e-6, XS)
add(c, "se", TBB + ["Intercept"], [.026569,.1192834,.1383132,.0544281,.059088,.1971607], 1e-6, XS + " robust small SEs")
add(c, "coef", ["C(year)[1977]"] + YR, [-.0240573,-.0176523,-.0026515,-.0173995,-.0435283,-.0096193,.0038132], 1e-6, XS + " year dummies (yr1976, yr1984 dropped)")
add(c, "se", ["C(year)[1977]"] + YR, [.0296969,.0229277,.0207492,.0221715,.0193348,.0186829,.0171959], 1e-6, XS + " year dummies SEs")
add(c, "wald_all", "", 1154.36, 0.005, XS + " F(12, 139)")
D = "DPD for Ox 1.24 bb98.out (= xtabond2 h(2)), via gmm.md 3.5"
c = "bb_sys_h2_onestep_robust"
add(c, "coef", TBB, [.871414,-.781090,.512074,.468830,-.355981], 1.5e-6, D + " SYS one-step (6 printed decimals; float32 data)")
add(c, "se", TBB, [.04405,.1159,.1675,.07067,.07190], 5e-5, D + " robust SEs (4 significant digits printed)")
add(c, "sargan", "", 190.9, 0.05, D + " Sargan chi2(100)")
c = "bb_sys_h2_twostep_windmeijer"
add(c, "coef", TBB, [.872881,-.779745,.526803,.470077,-.357608], 1.5e-6, D + " SYS two-step")
add(c, "se", TBB, [.04528,.1166,.1621,.07986,.08003], 5e-5, D + " Windmeijer SEs (4 significant digits)")
add(c, "hansen", "", 111.6, 0.05, D + " chi2(100)")
add(c, "ar", ["1","2"], [-5.80672,-0.147052], 1e-5, "gretl --dpd bb98.out AR(1)/AR(2), via gmm.md 3.5")
# ---- 3.6 pydynpd benchmark
PD = "R plm 2.6.2 on abdata.csv (= xtabond2 = pydynpd), via gmm.md 3.6"
XD = "xtabond2 printout in dazhwu/pydynpd Benchmark/test_1.md, via gmm.md 3.6"
T4 = ["L1.n","L2.n","w","k"]
c = "pdp_dif_twostep_windmeijer"
add(c, "coef", T4, [0.17006159401,-0.01133810543,-0.95105822560,0.46372230789], 1e-7, PD)
add(c, "se", T4, [0.10466517772,0.03772045107,0.12772982828,0.07183284677], 1e-7, PD + " Windmeijer SEs")
add(c, "hansen", "", 47.859669, 1e-5, PD + " J chi2(32)")
add(c, "ar", ["1","2"], [-1.187819,-0.811246], 1e-5, PD + " AR")
add(c, "sargan", "", 91.61, 0.005, XD + " Sargan chi2(32)")
add(c, "hansen_excl", ["gmm(n, 2:4)","gmm(w, 1:3)","iv(k)"], [23.75,17.25,38.33], 0.005, XD + " difference-in-Hansen, excluding group")
add(c, "dih", ["gmm(n, 2:4)","gmm(w, 1:3)","iv(k)"], [24.11,30.61,9.53], 0.005, XD + " difference-in-Hansen, difference")
add(c, "n_instruments", "", 36, 0, XD)
add(c, "nobs", "", 611, 0, XD)
c = "pdp_dif_time_twostep_windmeijer"
add(c, "coef", T4, [0.27106750832,-0.02339275206,-0.56685270737,0.36139387186], 1e-7, PD + " with time dummies (plm twoways = pydynpd timedumm)")
add(c, "se", T4, [0.138254171111,0.041966485853,0.209223096566,0.066262382736], 1e-7, PD + " Windmeijer SEs")
add(c, "hansen", "", 32.666392, 1e-5, PD + " J chi2(32)")
add(c, "ar", ["1","2"], [-1.287536,-0.305617], 1e-5, PD + " AR")
add(c, "n_instruments", "", 42, 0, "pydynpd test_1.md, via gmm.md 3.6")
PS = "pydynpd = R panelvar pvargmm SYS two-step, via gmm.md 3.6"
c = "pdp_sys_twostep_windmeijer"
add(c, "coef", T4 + ["Intercept"], [.9453810,-.0860069,-.4477795,.1235808,1.5630849], 1e-6, PS)
add(c, "se", T4 + ["Intercept"], [.1429764,.1082318,.1521917,.0508836,.4993484], 1e-6, PS + " Windmeijer SEs")
add(c, "hansen", "", 96.442, 5e-4, PS + " Hansen chi2(46)")
add(c, "ar", ["1","2"], [-2.35,-1.15], 0.005, PS + " AR")
add(c, "n_instruments", "", 51, 0, PS)
# ---- 3.7 Roodman 3.3 DIF small
R7 = "xtabond2 robust small printout, Roodman (2009) 3.3, via gmm.md 3.7"
c = "r09_dif_onestep_robust_small"
add(c, "coef", T, [.8179867,-.1122756,-.6816685,.6557083,.3525689,-.1536626,-.0304529,.6509498,-.9162028,.2786584], 1e-6, R7)
add(c, "se", T, [.0859761,.0502366,.1425813,.202368,.1217997,.0862928,.0321355,.189582,.2639274,.1855286], 1e-6, R7)
add(c, "coef", YR, [.0238987,.0352258,.0502675,.0102721,-.0111623,-.0069458], 1e-6, R7 + " year dummies")
add(c, "se", YR, [.0367972,.0351846,.0365659,.0349996,.0264747,.0191611], 1e-6, R7 + " year dummies SEs")
add(c, "sargan", "", 120.62, 0.005, R7 + " Sargan chi2(74)")
add(c, "hansen", "", 73.72, 0.005, R7 + " Hansen chi2(74)")
add(c, "hansen_excl", "IV-style instruments", 56.99, 0.005, R7 + " difference-in-Hansen iv() excluded chi2(65)")
add(c, "dih", "IV-style instruments", 16.72, 0.005, R7 + " difference-in-Hansen iv() chi2(9)")
add(c, "wald_all", "", 85.30, 0.005, R7 + " F(16, 140)")
add(c, "n_instruments", "", 90, 0, R7)
add(c, "ar", ["1","2"], [-5.39,-0.78], 0.005, R7 + " AR tests")
# ---- 3.8 forum SYS printout
F8 = "xtabond2 two-step robust small system printout, https://m.pinggu.org/bbs/thread-877779-1-1.html, via gmm.md 3.8"
c = "x2_sys_forum_twostep_windmeijer_small"
T8 = T + ["yr1980","yr1981","yr1982","yr1983","yr1984","Intercept"]
add(c, "coef", T8, [.9847708,-.0444599,-.5015799,.4045313,.3234514,-.1550519,-.1195921,.6120864,-.4190762,-.2492855,.0256293,.0157888,.0136977,.0078038,-.0194111,.6392791], 1e-6, F8)
add(c, "se", T8, [.0591053,.0532234,.2033974,.1670457,.0525199,.0667629,.041634,.2343692,.3208354,.2154591,.0170605,.0339909,.0330476,.0345048,.0331093,1.000564], 1e-6, F8 + " corrected SEs")
add(c, "wald_all", "", 1128.31, 0.005, F8 + " F(15, 139)")
add(c, "n_instruments", "", 120, 0, F8)
# ---- extra peer numbers: validation/gmm/plm_extra.R -> plm_extra.out (plm 2.6.2 on abdata.csv)
NAMES = {"lag(n, 1:2)1": "L1.n", "lag(n, 1:2)2": "L2.n", "lag(w, 0:1)0": "w", "lag(w, 0:1)1": "L1.w",
         "k": "k", "w": "w", "lag(ys, 0:1)0": "ys", "lag(ys, 0:1)1": "L1.ys", "lag(n, 1)": "L1.n",
         "lag(k, 0:1)0": "k", "lag(k, 0:1)1": "L1.k"}
SRC = "validation/gmm/plm_extra.R -> plm_extra.out (R plm 2.6.2 pgmm on abdata.csv)"
SKIP = {("plm_bb_sys_collapse_onestep_robust", "hansen"), ("plm_ab_b_gaps_onestep_robust", "hansen")}  # plm's sargan() after one-step is the Hansen form at one-step residuals
with open(HERE / "plm_extra.out") as fh:
    for line in fh:
        parts = line.strip().split(",")
        if len(parts) < 4 or not parts[0].startswith("plm_"):
            continue
        case, q, term, value = parts[0], parts[1], ",".join(parts[2:-1]), parts[-1]
        if q == "ar" or (case, q) in SKIP or value == "NaN":
            continue  # plm's mtest: see validation/gmm/README.md
        tol = 0 if q == "n_instruments" else 1e-7
        rows.append([case, q, NAMES.get(term, term), float(value), tol, SRC])
with open(HERE / "reference.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["case","quantity","term","value","tolerance","source"])
    w.writerows(rows)
print(f"{len(rows)} rows written to {HERE / 'reference.csv'}")
