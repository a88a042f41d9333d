"""The graph's shape in memory: shortest connections between two entities, and which edge kinds a node has.

``/api/path`` used to read the graph around both ends hop by hop from the store; at 1M rows a frontier of a
few dozen nodes turns each of a dozen edge-kind queries into a table scan, and one path took seconds. Here the
topology alone (node key, edge kind, direction; no properties) of every edge kind a path may follow is read
once per store version into compressed adjacency arrays (numpy), a bidirectional breadth-first search finds
the shortest paths within ``max_hops``, and only the nodes and edges on the paths found are then read from the
store with their properties. The same arrays record, per node, which (edge kind, endpoint kinds, direction)
it has edges of, so the reads around an entity skip the queries that cannot answer anything.

Paths are listed in a fixed order (by the keys along them), so both engines give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from guanlian.graph.store import Store
from guanlian.model import model
from guanlian.viz.neighbourhood import cite_linked_records, edge_attrs, edge_returns, node_by_key

MAX_PATHS = 5
"""Shortest paths listed at most (the first ones in key order)."""


@dataclass(frozen=True)
class _Kinds:
    """One (edge kind, source kind, target kind) read into the adjacency."""

    edge: str
    src: str
    dst: str


class PathIndex:
    """The undirected shape of the graph over the edge kinds a path may follow (built once per store version).

    Example:
        >>> # idx = PathIndex.build(store, skip={"PAYMENT"}); g = idx.paths(store, "ric:…", "uscc:…", 4)
    """

    def __init__(self, keys: np.ndarray, kinds: np.ndarray, kind_names: list[str], src: np.ndarray,
                 dst: np.ndarray, spec: np.ndarray, specs: list[_Kinds], follow: frozenset[str] | None = None) -> None:
        self._keys = keys
        self._kind = kinds
        self._kind_names = kind_names
        self._specs = specs
        self._spec_no = {(k.edge, k.src, k.dst): i for i, k in enumerate(specs)}
        self._at = pd.Index(keys)
        self._at.get_indexer_for(pd.Index([""]))  # its hash table now, not in the first request that asks
        # which (edge kind, endpoint kinds, direction) each node has at least one edge of: bit 2·spec (out), +1 (in)
        self._bits = np.zeros(len(keys), dtype=np.int64)
        if len(spec):
            np.bitwise_or.at(self._bits, src, np.left_shift(np.int64(1), 2 * spec))
            np.bitwise_or.at(self._bits, dst, np.left_shift(np.int64(1), 2 * spec + 1))
        if follow is not None:  # the search follows only these edge kinds
            keep = np.isin(spec, [i for i, k in enumerate(specs) if k.edge in follow])
            src, dst, spec = src[keep], dst[keep], spec[keep]
        # each edge in both directions, grouped by the node it leaves (CSR)
        u = np.concatenate([src, dst])
        v = np.concatenate([dst, src])
        e = np.concatenate([spec, spec])
        order = np.argsort(u, kind="stable")
        self._nbr = v[order]
        self._spec_of = e[order]
        counts = np.bincount(u, minlength=len(keys)) if len(u) else np.zeros(len(keys), dtype=np.int64)
        self._ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    @classmethod
    def build(cls, store: Store, skip: Iterable[str]) -> PathIndex:
        """Read the endpoints of every edge (one query per edge kind and endpoint kinds); a path search does not
        follow the edge kinds in ``skip``, :meth:`has` knows them all."""
        skipped = set(skip)
        specs: list[_Kinds] = []
        ends: list[tuple[pd.Series, pd.Series]] = []
        kinds_of: list[tuple[pd.Series, str]] = []
        for ek in model().edges:
            for s_kind, d_kind in ek.endpoints:
                df = store.query(f"MATCH (a:{s_kind})-[:{ek.name}]->(b:{d_kind}) RETURN a.key AS a, b.key AS b")
                if df.empty:
                    continue
                specs.append(_Kinds(ek.name, s_kind, d_kind))
                ends.append((df["a"].astype(object), df["b"].astype(object)))
                kinds_of.extend([(df["a"], s_kind), (df["b"], d_kind)])
        kind_names = [n.name for n in model().nodes]
        if not ends:
            empty = np.zeros(0, dtype=np.int64)
            return cls(np.array([], dtype=object), empty, kind_names, empty, empty, empty, specs, frozenset())
        src_all = pd.concat([a for a, _ in ends], ignore_index=True)
        dst_all = pd.concat([b for _, b in ends], ignore_index=True)
        codes, uniques = pd.factorize(pd.concat([src_all, dst_all], ignore_index=True).to_numpy(dtype=object))
        n_edges = len(src_all)
        kind_codes = np.zeros(len(uniques), dtype=np.int64)
        pos = 0
        for i, (a, b) in enumerate(ends):  # a node's kind: the endpoint kind of any edge it is on
            ka, kb = kind_names.index(specs[i].src), kind_names.index(specs[i].dst)
            kind_codes[codes[pos:pos + len(a)]] = ka
            kind_codes[codes[n_edges + pos:n_edges + pos + len(b)]] = kb
            pos += len(a)
        spec = np.repeat(np.arange(len(specs), dtype=np.int64), [len(a) for a, _ in ends])
        follow = frozenset(e.name for e in model().edges if e.name not in skipped)
        return cls(np.asarray(uniques, dtype=object), kind_codes, kind_names, codes[:n_edges].astype(np.int64),
                   codes[n_edges:].astype(np.int64), spec, specs, follow)

    def has(self, key: str, edge: str, src_kind: str, dst_kind: str, outgoing: bool) -> bool:
        """Whether node ``key`` has at least one ``edge`` from a ``src_kind`` to a ``dst_kind`` node, leaving it
        (``outgoing``) or reaching it: the reads around an entity ask the store only for the kinds it has.

        Example:
            >>> # idx.has("unit:某局", "PAID", "Unit", "Company", True)
        """
        j = self._spec_no.get((edge, src_kind, dst_kind))
        i = self._id(key)
        if j is None or i is None:
            return False
        return bool((int(self._bits[i]) >> (2 * j + (0 if outgoing else 1))) & 1)

    def __len__(self) -> int:
        return len(self._keys)

    def _id(self, key: str) -> int | None:
        i = self._at.get_indexer_for(pd.Index([key]))
        return int(i[0]) if len(i) and i[0] >= 0 else None

    def _neighbours(self, node: int) -> np.ndarray:
        return self._nbr[self._ptr[node]:self._ptr[node + 1]]

    def shortest(self, a: str, b: str, hops: int) -> list[list[str]]:
        """Up to :data:`MAX_PATHS` shortest paths from ``a`` to ``b`` (node keys, ``a`` first) of at most
        ``hops`` edges, in key order; ``[]`` when there is none (or an end has no edge of the kinds read)."""
        if a == b:
            return [[a]]
        ia, ib = self._id(a), self._id(b)
        if ia is None or ib is None:
            return []
        dist: list[dict[int, int]] = [{ia: 0}, {ib: 0}]
        parents: list[dict[int, list[int]]] = [{ia: []}, {ib: []}]
        frontier = [np.array([ia], dtype=np.int64), np.array([ib], dtype=np.int64)]
        depth = [0, 0]
        best: int | None = None
        for _step in range(hops):
            side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
            if not len(frontier[side]):
                break
            d, par = dist[side], parents[side]
            nxt: list[int] = []
            level = depth[side] + 1
            for u in frontier[side].tolist():
                for v in self._neighbours(u).tolist():
                    seen = d.get(v)
                    if seen is None:
                        d[v] = level
                        par[v] = [u]
                        nxt.append(v)
                    elif seen == level and u not in par[v]:
                        par[v].append(u)
            depth[side] = level
            frontier[side] = np.array(nxt, dtype=np.int64)
            meet = [x for x in nxt if x in dist[1 - side]]
            if meet:
                best = min(dist[0][x] + dist[1][x] for x in meet)
                break
        if best is None or best > hops:
            return []
        # every shortest path crosses exactly one node at distance min(depth a, best) from a
        at_a = min(depth[0], best)
        middle = sorted((x for x, da in dist[0].items() if da == at_a and dist[1].get(x) == best - at_a),
                        key=lambda x: str(self._keys[x]))
        out: list[list[str]] = []
        for m in middle:
            for left in self._chains(parents[0], m):
                for right in self._chains(parents[1], m):
                    out.append([str(self._keys[x]) for x in [*reversed(left), *right[1:]]])
                    if len(out) >= MAX_PATHS:
                        return out
        return out

    def _chains(self, parents: dict[int, list[int]], start: int) -> list[list[int]]:
        """Every chain from ``start`` back to the search's origin along ``parents`` (``start`` first), in key
        order, at most :data:`MAX_PATHS`."""
        chains = [[start]]
        done: list[list[int]] = []
        while chains:
            chain = chains.pop(0)
            ps = sorted(parents[chain[-1]], key=lambda x: str(self._keys[x]))
            if not ps:
                done.append(chain)
                if len(done) >= MAX_PATHS:
                    break
                continue
            chains.extend([*chain, p] for p in ps)
        return done

    def graph(self, store: Store, paths: list[list[str]]) -> nx.MultiDiGraph:
        """The nodes of ``paths`` and every edge between two consecutive ones (of the kinds read), with their
        properties read from ``store`` (one query per node and per edge kind between a pair)."""
        g = nx.MultiDiGraph()
        for p in paths:
            for key in p:
                if key in g:
                    continue
                i = self._id(key)
                attrs = node_by_key(store, key, None if i is None else self._kind_names[int(self._kind[i])])
                if attrs is not None:
                    g.add_node(key, **attrs)
        pairs = {tuple(sorted((u, v))) for p in paths for u, v in zip(p, p[1:], strict=False)}
        seen: set[tuple[str, str, str, Any]] = set()
        for u, v in sorted(pairs):
            iu, iv = self._id(u), self._id(v)
            if iu is None or iv is None:
                continue
            lo, hi = self._ptr[iu], self._ptr[iu + 1]
            specs = sorted({int(s) for s, w in zip(self._spec_of[lo:hi], self._nbr[lo:hi], strict=True) if w == iv})
            for s in specs:
                k = self._specs[s]
                match = f"MATCH (a:{k.src})-[r:{k.edge}]->(b:{k.dst})"
                ret = f"RETURN a.key AS a_key, b.key AS b_key, {edge_returns(k.edge, 'r', 'r_')}"
                for x, y in ((u, v), (v, u)):
                    ix, iy = (iu, iv) if x == u else (iv, iu)
                    if (self._kind_names[int(self._kind[ix])], self._kind_names[int(self._kind[iy])]) != (k.src, k.dst):
                        continue
                    rows = store.rows(f"{match} WHERE a.key = $a AND b.key = $b {ret} ORDER BY r_key", {"a": x, "b": y})
                    for row in rows:
                        e = edge_attrs(k.edge, row, "r_")
                        ident = (x, y, k.edge, e["edge_key"] or (e["src_file"], e["src_row"]))
                        if ident in seen:
                            continue
                        seen.add(ident)
                        g.add_edge(x, y, key=f"{k.edge}:{len(seen)}", **e)
        return cite_linked_records(g)
