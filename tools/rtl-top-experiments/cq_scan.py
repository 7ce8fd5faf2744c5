#!/usr/bin/env python3
# tools/rtl-top-experiments/cq_scan.py VCD
# Scans a VCD of blocks.top=rtl (skipopu-rtl run ... --set blocks.top=rtl --wave VCD) for the
# generated read masters' limit of 4 commands awaiting data (skipopu_axi_rd_master: cmd_ready =
# (ar_left == 0) && (cq_n != 4)): per port, the time steps (two a core cycle) with cq_n == 4, and
# those in which a client wants a command (the gather pNN_t, a KV fetch pNN_f, EMBED pNN_e, the
# weight DMA wd_rq_valid) while cq_n == 4 and ar_left == 0 (a command refused by the limit); as a
# check of the scan, the time steps in which pNN_t/f/e want one while the master still sends a
# command's bursts (ar_left != 0: the command gap, docs/rtl.md step 22). Used in step 22.
import sys

f = open(sys.argv[1], 'r', errors='replace')
scope, ids = [], {}
for line in f:
    line = line.strip()
    if line.startswith('$scope'):
        scope.append(line.split()[2])
    elif line.startswith('$upscope'):
        scope.pop()
    elif line.startswith('$var'):
        p = line.split()
        code, name = p[3], p[4]
        sc = scope[-1] if scope else ''
        if sc.startswith('u_rd_') and name in ('cq_n', 'ar_left'):
            ids.setdefault(code, []).append((sc[5:], name))
        elif sc == 'skipopu_processor':
            for q in range(4):
                for c in 'tfe':
                    if name == 'p%02d_%s' % (q, c):
                        ids.setdefault(code, []).append(('%02d' % q, c))
            if name == 'wd_rq_valid':
                ids.setdefault(code, []).append(('*', 'wd'))
    elif line.startswith('$enddefinitions'):
        break
ports = sorted({k[0] for v in ids.values() for k in v if k[0] != '*'})
val, at4, refused, gapw = {}, {}, [], []


def check(t):
    for q in ports:
        if val.get((q, 'cq_n')) == 4:
            at4[q] = at4.get(q, 0) + 1
            if val.get((q, 'ar_left')) == 0:
                w = [c for c in 'tfe' if val.get((q, c))] + (['wd'] if val.get(('*', 'wd')) else [])
                if w:
                    refused.append((t, q, w))
        w = [c for c in 'tfe' if val.get((q, c))]
        if w and val.get((q, 'ar_left'), 0) != 0:
            gapw.append((t, q, w))


t = None
for line in f:
    c = line[0]
    if c == '#':
        if t is not None:
            check(t)
        t = int(line[1:])
        continue
    if c == 'b':
        v, code = line[1:].split()
    elif c in '01xz':
        v, code = c, line[1:].strip()
    else:
        continue
    if code in ids:
        x = int(v.replace('x', '0').replace('z', '0'), 2)
        for k in ids[code]:
            val[k] = x
if t is not None:
    check(t)
print('time steps with cq_n == 4, per port:', at4)
print('time steps with a wanted command refused at cq_n == 4:', len(refused), refused[:10])
print('time steps with pNN_t/f/e waiting behind ar_left != 0:', len(gapw), gapw[:10])
