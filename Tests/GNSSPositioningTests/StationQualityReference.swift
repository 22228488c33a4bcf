import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning

/// Whether python3 is there to compute the reference (hatanaka too for compressed RINEX).
private func pythonImports(_ modules: String) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import " + modules]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}

let pythonAvailable: Bool = {
    let ok = pythonImports("json")
    if !ok { print("skipping station quality references: no python3") }
    return ok
}()

let hatanakaAvailable: Bool = {
    let ok = pythonImports("hatanaka")
    if !ok { print("skipping station quality on Hatanaka RINEX: python3 cannot import hatanaka (pip install hatanaka)") }
    return ok
}()

/// The quality figures of a RINEX observation file computed a second way: a Python reading of the file's text, with
/// teqc's MP1/MP2 written out from its definition, the same arc, slip, completeness and C/N0 rules as
/// `StationQuality` states, and only the satellites' elevations (from the broadcast ephemerides) taken from this
/// project. Arguments: the observation file, the elevations file (`GPS-seconds SAT:radians…` a line per epoch), the
/// number of epochs, the cutoff elevation in degrees. Prints one JSON object.
enum StationQualityReference {
    static let script = #"""
import sys, json, math, gzip
C = 299792458.0
F = {('G',1):1575.42e6, ('G',2):1227.60e6, ('G',5):1176.45e6,
     ('J',1):1575.42e6, ('J',2):1227.60e6, ('J',5):1176.45e6, ('J',6):1278.75e6,
     ('E',1):1575.42e6, ('E',5):1176.45e6, ('E',7):1207.14e6, ('E',8):1191.795e6, ('E',6):1278.75e6,
     ('C',2):1561.098e6, ('C',7):1207.14e6, ('C',6):1268.52e6, ('C',1):1575.42e6, ('C',5):1176.45e6,
     ('S',1):1575.42e6, ('S',5):1176.45e6, ('R',3):1202.025e6}
BANDS = {'G':[1,2,5], 'J':[1,2,5], 'R':[1,2,3], 'E':[1,5,7,8,6], 'C':[2,7,6,1,5], 'S':[1], 'I':[5,9]}
def freq(sat, band, k):
    s = sat[0]
    if s == 'R' and band in (1, 2):
        if k is None: return None
        return 1602e6 + k * 0.5625e6 if band == 1 else 1246e6 + k * 0.4375e6
    return F.get((s, band))

path, elevpath, limit, cutoff = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
raw = open(path, 'rb').read()
if path.endswith('.gz'): raw = gzip.decompress(raw)
if path.endswith('.crx') or path.endswith('.crx.gz'):
    import hatanaka
    raw = hatanaka.decompress(raw)
lines = raw.decode('ascii', 'replace').splitlines()
types, channels, version, i = {}, {}, 3.0, 0
pending = None
while True:
    l = lines[i]; i += 1; label = l[60:].strip()
    if label == 'RINEX VERSION / TYPE': version = float(l[:9])
    elif label == 'SYS / # / OBS TYPES':
        if l[0] != ' ': pending = l[0]; types[pending] = []
        types[pending] += l[7:60].split()
    elif label == '# / TYPES OF OBSERV':
        rin2 = types.setdefault('2', []); rin2 += l[6:60].split()
    elif label == 'GLONASS SLOT / FRQ #':
        f = l[4:60].split()
        for j in range(0, len(f) - 1, 2): channels[f[j]] = int(f[j + 1])
    elif label == 'END OF HEADER': break
if '2' in types:
    # RINEX 2 GPS names as RINEX 3 codes: P is a code on attribute W; C1, L1, S1 are C/A; band 2 is W but C2 (2.10) X.
    def r3(n):
        k, b = n[0], n[1]
        if k == 'P': return 'C' + b + 'W'
        if b == '1': return k + '1C'
        if b == '2': return k + '2' + ('X' if k == 'C' and version < 2.12 else 'W')
        return k + b + 'X'
    types = {'G': [r3(n) for n in types['2']]}

elev = {}
for l in open(elevpath):
    f = l.split()
    elev[round(float(f[0]))] = {x.split(':')[0]: float(x.split(':')[1]) for x in f[1:]}

def gps_seconds(y, mo, d, h, mi, s):
    import datetime
    t = datetime.datetime(y, mo, d, h, mi) - datetime.datetime(1980, 1, 6)
    return t.days * 86400 + t.seconds + s

def field(l, j):
    t = l[3 + 16 * j: 3 + 16 * j + 16] if version >= 3 else l[16 * j: 16 * j + 16]
    v = t[:14].strip(); lli = t[14:15].strip()
    return (float(v) if v else None, int(lli) if lli else 0)

epochs = []
while i < len(lines) and len(epochs) < limit:
    l = lines[i]; i += 1
    if version >= 3:
        if not l.startswith('>'): continue
        flag = int(l[31]); n = int(l[32:35])
        recs = lines[i:i + n]; i += n
        if flag > 1: continue
        y, mo, d, h, mi = (int(x) for x in l[2:6].split() + l[6:18].split())
        s = float(l[18:29])
        sats = {}
        for r in recs:
            sat = r[:3].replace(' ', '0'); ts = types.get(sat[0], [])
            sats[sat] = {ts[j]: field(r, j) for j in range(len(ts))}
    else:
        flag = int(l[28]); n = int(l[29:32])
        if flag > 1: i += n; continue
        y, mo, d, h, mi = (int(x) for x in l[1:15].split()); s = float(l[15:26])
        names = l[32:68]
        for _ in range((n - 1) // 12): names += lines[i][32:68]; i += 1
        names = [names[3 * j:3 * j + 3].replace(' ', '0') for j in range(n)]
        ts = types['G']; per = (len(ts) + 4) // 5
        sats = {}
        for sat in names:
            text = ''.join(lines[i + k].ljust(80) for k in range(per)); i += per
            sats[sat] = {ts[j]: (lambda t: (float(t[:14]) if t[:14].strip() else None, int(t[14]) if t[14:15].strip() else 0))(text[16 * j:16 * j + 16]) for j in range(len(ts))}
    yy = y + 2000 if y < 80 else (y + 1900 if y < 100 else y)
    epochs.append((gps_seconds(yy, mo, d, h, mi, s), sats))

GAPF, GFJ, MWJ, MINARC = 3.0, 0.10, 4.0, 10
interval = None; last = None; outages = 0
tracked = {}; exp_total = rec_total = 0; exp_by_min = {}; rec_by_min = {}
cn0 = {}; lli = 0; detected = 0; slip_by_min = {}
tracks = {}; lastseen = {}; arcs = []   # arcs: [sys, signal, [(t, value)]]
for t, sats in epochs:
    if last is not None:
        gap = t - last
        if interval is not None and gap > GAPF * interval: outages += 1
        interval = gap if interval is None else min(interval, gap)
    last = t; gaplimit = GAPF * interval if interval else float('inf')
    minute = int(t // 60)
    sig = {}
    for sat, obs in sats.items():
        sig[sat] = {}
        for code, (v, f) in obs.items():
            if v is None: continue
            sig[sat].setdefault(code[1:], {})[code[0]] = (v, f)
        for s2, o in sig[sat].items():
            if 'C' in o or 'L' in o: tracked.setdefault(sat[0], set()).add(s2)
    el = elev.get(round(t), {})
    cut = math.radians(cutoff)
    e = sum(len(tracked.get(sat[0], ())) for sat, x in el.items() if x >= cut)
    r = sum(sum(1 for o in sig[sat].values() if 'C' in o or 'L' in o) for sat in sig if sat in el and el[sat] >= cut)
    exp_total += e; rec_total += r
    exp_by_min[minute] = exp_by_min.get(minute, 0) + e; rec_by_min[minute] = rec_by_min.get(minute, 0) + r
    for sat in sig:
        if sat not in el or el[sat] < 0: continue
        b = min(int(math.degrees(el[sat]) / 10), 8)
        for s2, o in sig[sat].items():
            if int(s2[0]) == BANDS[sat[0]][0] and 'S' in o and o['S'][0] > 0:
                cn0.setdefault(sat[0], {}).setdefault(b, []).append((minute, o['S'][0]))
    slips = 0
    for sat in sig:
        flagged = {s2 for s2, o in sig[sat].items() if 'L' in o and o['L'][1] & 1}
        lli += len(flagged); slips += len(flagged)
        pair = []
        for band in BANDS.get(sat[0], []):
            cands = sorted(s2 for s2, o in sig[sat].items() if int(s2[0]) == band and 'C' in o and 'L' in o)
            if cands and freq(sat, band, channels.get(sat)) is not None: pair.append(cands[0])
            if len(pair) == 2: break
        lastseen[sat] = t
        if len(pair) < 2: continue
        (p1, l1), (p2, l2) = [(sig[sat][x]['C'][0], sig[sat][x]['L'][0]) for x in pair]
        if 0 in (p1, l1, p2, l2): continue
        f1, f2 = freq(sat, int(pair[0][0]), channels.get(sat)), freq(sat, int(pair[1][0]), channels.get(sat))
        L1, L2 = l1 * C / f1, l2 * C / f2; a = (f1 / f2) ** 2
        mp1 = p1 - (1 + 2 / (a - 1)) * L1 + 2 / (a - 1) * L2
        mp2 = p2 - 2 * a / (a - 1) * L1 + (2 * a / (a - 1) - 1) * L2
        gf = L1 - L2; mw = (f1 * L1 - f2 * L2) / (f1 - f2) - (f1 * p1 + f2 * p2) / (f1 + f2); wl = C / (f1 - f2)
        tr = tracks.get(sat); new = True
        if tr and tr['pair'] == pair and t - tr['t'] <= gaplimit:
            new = pair[0] in flagged or pair[1] in flagged
            if not new and (abs(gf - tr['gf']) > GFJ or abs(mw - tr['mw']) / wl > MWJ):
                detected += 1; slips += 1; new = True
        if new:
            tr = tracks[sat] = {'pair': pair, 'arcs': ([], [])}
            arcs.append((sat[0], pair[0], tr['arcs'][0])); arcs.append((sat[0], pair[1], tr['arcs'][1]))
        tr['t'], tr['gf'], tr['mw'] = t, gf, mw
        tr['arcs'][0].append((minute, mp1)); tr['arcs'][1].append((minute, mp2))
    slip_by_min[minute] = slip_by_min.get(minute, 0) + slips
    for sat in list(tracks):
        if t - lastseen[sat] > gaplimit: del tracks[sat]

latest = int(last // 60)
inhour = lambda m: latest - 60 < m <= latest
mp = {}
for sys_, s2, pts in arcs:
    if len(pts) < MINARC: continue
    m = sum(v for _, v in pts) / len(pts)
    d = mp.setdefault(sys_ + s2, [0, 0.0, 0, 0.0])
    for minute, v in pts:
        d[0] += 1; d[1] += (v - m) ** 2
        if inhour(minute): d[2] += 1; d[3] += (v - m) ** 2
out = {
    'epochs': len(epochs), 'outages': outages, 'lli': lli, 'detected': detected,
    'slips_hour': sum(n for m, n in slip_by_min.items() if inhour(m)),
    'expected': exp_total, 'received': rec_total,
    'expected_hour': sum(n for m, n in exp_by_min.items() if inhour(m)),
    'received_hour': sum(n for m, n in rec_by_min.items() if inhour(m)),
    'multipath': {k: {'rms': math.sqrt(v[1] / v[0]), 'n': v[0], 'hour_rms': math.sqrt(v[3] / v[2]) if v[2] else None, 'hour_n': v[2]} for k, v in mp.items()},
    'cn0': {s: {str(b): sum(c for m, c in v if inhour(m)) / max(1, sum(1 for m, c in v if inhour(m))) for b, v in bins.items() if any(inhour(m) for m, c in v)} for s, bins in cn0.items()},
}
print(json.dumps(out))
"""#
}
