#!/usr/bin/env python3
"""The module dependencies of a crate's src/, from `crate::` and `super::` paths (comments and
#[cfg(test)] modules left out), with route modules collapsed to `routes::<resource>`; prints the
cycles (strongly connected components) and, with -v, every edge.

    cd crates/web/src && python3 ../../../scripts/modgraph.py [-v]
"""
import re,os,sys
edges=set()
def modname(path):
    p=path[:-3]
    if p.endswith('/mod'): p=p[:-4]
    return p.replace('/','::')
for root,_,fs in os.walk('.'):
    for f in fs:
        if not f.endswith('.rs'): continue
        path=os.path.join(root,f)[2:]
        m=modname(path)
        src=open(path).read()
        src="\n".join(l for l in src.split("\n") if not l.strip().startswith("//"))
        src=src.split('#[cfg(test)]')[0]
        parent=m.rsplit('::',1)[0] if '::' in m else ''
        if path.endswith('mod.rs'): parent_for_super=m.rsplit('::',1)[0] if '::' in m else ''
        else: parent_for_super=parent
        for x in re.findall(r'crate::([a-z0-9_]+(?:::[a-z0-9_]+)?)',src):
            parts=x.split('::')
            t=parts[0]
            if t=='routes' and len(parts)>1: t='routes::'+parts[1]
            edges.add((m,t))
        for x in re.findall(r'\bsuper::([a-z0-9_]+)',src):
            base = m.rsplit('::',1)[0] if not path.endswith('mod.rs') else (m.rsplit('::',1)[0] if '::' in m else '')
            # super from a file module: parent module; from mod.rs: parent of the module
            if path.endswith('mod.rs'):
                base = m.rsplit('::',1)[0] if '::' in m else ''
            else:
                base = m.rsplit('::',1)[0] if '::' in m else ''
            t=(base+'::'+x) if base else x
            edges.add((m,t))
# collapse: route modules to routes::X (sites::* -> routes::sites)
def norm(n):
    p=n.split('::')
    if p[0]=='routes' and len(p)>=2: return 'routes::'+p[1]
    return p[0]
E=set()
for a,b in edges:
    a,b=norm(a),norm(b)
    if a!=b: E.add((a,b))
import collections
g=collections.defaultdict(set)
for a,b in E: g[a].add(b)
# find cycles via SCC
idx={};low={};st=[];on=set();sccs=[];i=[0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v]=low[v]=i[0];i[0]+=1;st.append(v);on.add(v)
    for w in g[v]:
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        c=[]
        while True:
            w=st.pop();on.discard(w);c.append(w)
            if w==v:break
        sccs.append(c)
for v in list(g):
    if v not in idx: sc(v)
print("cycles:",[c for c in sccs if len(c)>1])
if '-v' in sys.argv:
    for a in sorted(g): print(a,'->',' '.join(sorted(g[a])))
