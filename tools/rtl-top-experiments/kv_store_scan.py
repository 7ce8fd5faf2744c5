#!/usr/bin/env python3
# tools/rtl-top-experiments/kv_store_scan.py VCD FIRST LAST
# Prints, per core cycle of the generated processor (the VCD's `cycle`; the pin's timeline cycle
# is `cycle` - 175) from FIRST to LAST, the KV_STORE engine's state `ks` (1 K_RD, 2 K_CL, 3 K_CMD,
# 4 K_DAT, 5 K_NEXT, 6 K_END), the attention walk's `as` and `a_t`, the entry table's requests
# (kt_a_req the walk, kt_s_req the store, kt_f_req the fill), go_kvstore / go_attn, the table's
# kind and port 2's awvalid / bvalid. VCD: skipopu-rtl run ... --set blocks.top=rtl --wave VCD
# (the pin's command). Used in docs/rtl.md step 25.
import sys
want = ['cycle','ks','as','a_t','kt_a_req','kt_s_req','kt_f_req','go_kvstore','go_attn','kt_kind','m_axi_02_awvalid','m_axi_02_bvalid']
lo, hi = int(sys.argv[2]), int(sys.argv[3])
f = open(sys.argv[1], errors='replace'); scope=[]; ids={}
for line in f:
    s=line.split()
    if not s: continue
    if s[0]=='$scope': scope.append(s[2])
    elif s[0]=='$upscope': scope.pop()
    elif s[0]=='$var':
        if len(scope)==2 and scope[-1]=='skipopu_processor' and s[4] in want: ids.setdefault(s[3],[]).append(s[4])
    elif s[0]=='$enddefinitions': break
val={}; clk_prev=None; rows=[]
def emit():
    c=val.get('cycle')
    if c is not None and lo<=c<=hi: print(' '.join(f"{k}={val.get(k)}" for k in want))
t=None
for line in f:
    if line[0]=='#':
        if t is not None: snap=dict(val); 
        t=int(line[1:]);
        if val.get('cycle') is not None and val['cycle']>hi: break
        if val.get('cycle') != getattr(emit,'last',None) and val.get('cycle') is not None:
            emit(); emit.last=val.get('cycle')
        continue
    if line[0]=='b':
        v,code=line[1:].split(); 
        if code in ids:
            for n in ids[code]: val[n]=int(v,2) if 'x' not in v else -1
    elif line[0] in '01':
        code=line[1:].strip()
        if code in ids:
            for n in ids[code]: val[n]=int(line[0])
