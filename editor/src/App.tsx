import { lazy, memo, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useUpdateNodeInternals,
  type Connection,
  type Edge as RfEdge,
  type Node as RfNode,
  type NodeChange,
  type NodePositionChange,
  type EdgeChange,
  type FitViewOptions,
} from "@xyflow/react";
import { flushSync } from "react-dom";
import { codeProblems } from "./code/js-syntax.js";
import { api, subscribe, setToken, Unauthorized, type BatchConflict, type BatchDeployResult, type DeployResult, type FlowDetail, type FlowSummary, type NodeCatalog, type RevisionSummary, type RuntimeEvent, type ValidateResult, type ValidationFailure } from "./api.js";
import { FlowNodeView, MissingNodeView, type FlowNodeData } from "./components/FlowNode.js";
import { Palette } from "./components/Palette.js";
import { DebugPanel } from "./components/DebugPanel.js";
import { DeadLetterPanel } from "./components/DeadLetterPanel.js";
import { ContextPanel } from "./components/ContextPanel.js";
import { FlowTabs } from "./components/FlowTabs.js";
import { useSidePanel } from "./components/side-panel.js";
import { useTheme } from "./components/theme.js";
import { SearchDialog } from "./components/SearchDialog.js";
import { DeployMenu } from "./components/DeployMenu.js";
import { FlowForm, withSettings } from "./components/FlowForm.js";
import type { NodeMatch, SearchableFlow } from "./state/search.js";
import { linkTargets } from "./state/links.js";
import { arrange, estimateSize, tidy } from "./layout/auto-layout.js";
import * as S from "./state/flow-state.js";
import { subflowEntries } from "./state/subflows.js";
import type { FlowDocument, FlowNode } from "./state/flow-state.js";
import type { FlowDiff } from "../../packages/runtime/src/flow/types.js";
import type { NodeStatus } from "../../packages/runtime/src/engine/types.js";

type DebugEvent = Extract<RuntimeEvent, { type: "debug" }>;
const nodeTypes = { wf: FlowNodeView, missing: MissingNodeView };
/** Canvas id of the stand-in drawn for a wire's missing target. */
const missingId = (target: string): string => `missing:${target}`;

/** A flow's unsaved editing state, kept while another tab is open. */
interface Draft {
  history: S.History;
  revision: number;
  /** What the server runs (null for a flow never deployed): the document is modified when it differs. */
  base: FlowDocument | null;
}

const sameDoc = (a: FlowDocument | null, b: FlowDocument): boolean => a !== null && (a === b || JSON.stringify(a) === JSON.stringify(b));
/** Stable object: a new one each render makes the canvas fit the view again. */
// Room in screen pixels around the nodes: an inject's ▶ sits 30 px left of its node, a debug switch 34 px right of it.
const FIT_VIEW: FitViewOptions = { maxZoom: 1, minZoom: 0.02, padding: { top: "24px", bottom: "24px", left: "44px", right: "48px" } };
const MINIMAP_KEY = "wattflow-minimap";
// The property form (its form library and JSON Schema validator) and the Node-RED converter are their own chunks:
// the first flow is drawn without them, and the form's chunk is fetched while the browser is idle right after.
const loadNodeForm = () => import("./components/NodeForm.js");
const NodeForm = lazy(() => loadNodeForm().then((m) => ({ default: m.NodeForm })));
// Drawn again only when their own props change, not on every frame of a drag on the canvas.
const PaletteView = memo(Palette);
const DebugPanelView = memo(DebugPanel);
const loadNodeRedConverter = () => import("../../packages/runtime/src/flow/node-red/convert.js");
/** Far enough out for any flow to fit the view (the default stops at 0.5). */
const MIN_ZOOM = 0.02;

/** Output ports of a node as configured (switch and function have as many as their config says). */
function portsOf(node: FlowNode, outputs: string[] | undefined): string[] {
  const c = node.config ?? {};
  if (node.type === "switch" && Array.isArray(c.rules)) return c.rules.map((_, i) => `rule ${i + 1}`);
  if (node.type === "function" && typeof c.outputs === "number") return Array.from({ length: c.outputs }, (_, i) => `output ${i + 1}`);
  const base = outputs ?? [];
  return base.length >= (node.wires?.length ?? 0) ? base : [...base, ...Array.from({ length: (node.wires?.length ?? 0) - base.length }, (_, i) => `port ${base.length + i + 1}`)];
}

function describeDiff(d: FlowDiff): string[] {
  return [
    ...d.added.map((id) => `+ added ${id}`),
    ...d.changed.map((id) => `~ changed ${id}`),
    ...d.removed.map((id) => `- removed ${id}`),
    ...d.rewired.map((id) => `↔ rewired ${id}`),
    ...d.restartedByConnection.map((id) => `↻ restarted for a connection ${id}`),
  ];
}

function Editor() {
  const rf = useReactFlow();
  const updateNodeInternals = useUpdateNodeInternals();
  const [catalog, setCatalog] = useState<NodeCatalog>({ nodes: [], connections: [], failedPlugins: [] });
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [revision, setRevision] = useState(0);
  const [history, setHistory] = useState<S.History>(S.start(S.emptyFlow("new")));
  const [base, setBase] = useState<FlowDocument | null>(null);
  // Unsaved edits of the flows not shown, by flow id; a ref read by loadFlow, with a counter to redraw the tabs.
  const drafts = useRef(new Map<string, Draft>());
  const [, setDraftCount] = useState(0);
  const live = useRef<Draft & { current: string | null }>({ history, revision, base, current });
  live.current = { history, revision, base, current };
  const [selected, setSelected] = useState<string[]>([]);
  const [selectedEdges, setSelectedEdges] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<Record<string, NodeStatus>>({});
  const [counts, setCounts] = useState<Record<string, number[]>>({});
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [debug, setDebug] = useState<DebugEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [panel, setPanel] = useState<"node" | "flow" | "debug" | "history" | "parked" | "context">("debug");
  const [dialog, setDialog] = useState<null | { kind: "deploy"; lines: string[]; problems: string[] } | { kind: "deploy-all"; flows: { id: string; lines: string[]; problems: string[] }[] } | { kind: "conflict"; current: number; lines: string[] } | { kind: "import" } | { kind: "message"; text: string }>(null);
  const [revisions, setRevisions] = useState<RevisionSummary[]>([]);
  const [diffText, setDiffText] = useState<string[]>([]);
  const [needLogin, setNeedLogin] = useState(false);
  /** A deploy of the shown flow by someone else while it has unsaved edits here. */
  const [serverChange, setServerChange] = useState<null | { flowId: string; revision: number; author: string }>(null);
  // This editor's own deploys: their events must not read as someone else's. The event can arrive before the
  // HTTP answer, so it waits for the deploy in flight and then looks its revision up here.
  const ownDeploys = useRef(new Set<string>());
  const deployInFlight = useRef<Promise<unknown> | null>(null);
  const clipboard = useRef<FlowNode[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const doc = history.doc;
  // The flow's own subflows are node types too, known only in this flow.
  const entries = useMemo(() => new Map([...catalog.nodes, ...subflowEntries(doc)].map((n) => [n.type, n])), [catalog, doc]);
  const [searching, setSearching] = useState(false);
  // Only a phone hides the palette (styles.css); this opens it over the canvas there.
  const [paletteOpen, setPaletteOpen] = useState(false);
  const side = useSidePanel();
  const theme = useTheme();
  // The minimap would lie over nodes of a flow fitted in the view, and redraws every node on each frame of a drag:
  // it is off until shown from the zoom controls, remembered.
  const [minimap, setMinimap] = useState(() => localStorage.getItem(MINIMAP_KEY) === "shown");
  const toggleMinimap = useCallback(() => {
    setMinimap((shown) => {
      localStorage.setItem(MINIMAP_KEY, shown ? "hidden" : "shown");
      return !shown;
    });
  }, []);
  // While dragging, positions live here; the document changes once, when the drag ends.
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});
  const [dragPos, setDragPos] = useState<Record<string, { x: number; y: number }>>({});
  // Drawn sizes once known, estimated before.
  const sizeOf = useCallback((n: FlowNode) => sizes[n.id] ?? estimateSize(n, portsOf(n, entries.get(n.type)?.outputs).length), [entries, sizes]);
  // Where nodes are drawn: nodes without a position laid out, overlapping ones moved apart. Saved into the
  // document only when the user moves a node or tidies, so opening a flow never modifies it.
  const dangling = useMemo(() => S.danglingEdges(doc), [doc]);
  // Stand-ins for missing wire targets are laid out with the nodes, so they land on nothing.
  const layoutDoc = useMemo(() => {
    if (dangling.length === 0) return doc;
    const ids = new Set(doc.nodes.map((n) => n.id));
    const standIns = [...new Set(dangling.map((e) => e.target))].map((t): FlowNode => ({ id: missingId(t), type: "missing node", name: t }));
    const rewired = doc.nodes.map((n) => ({ ...n, wires: (n.wires ?? []).map((p) => p.map((t) => (ids.has(t) ? t : missingId(t)))) }));
    return { ...doc, nodes: [...rewired, ...standIns] };
  }, [doc, dangling]);
  const shownPositions = useMemo(() => arrange(layoutDoc, sizeOf), [layoutDoc, sizeOf]);
  const autoPositions = useMemo(() => Object.fromEntries(doc.nodes.flatMap((n) => (n.position && n.position.x === shownPositions[n.id]?.x && n.position.y === shownPositions[n.id]?.y ? [] : [[n.id, shownPositions[n.id]!]]))), [doc, shownPositions]);

  const guard = useCallback(async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (err) {
      if (err instanceof Unauthorized) setNeedLogin(true);
      else setDialog({ kind: "message", text: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }, []);

  /** Runs a deploy (or rollback) of this editor's, remembering the revision it made. */
  const ownDeploy = useCallback(<T extends { status: number; body: unknown },>(flowId: string, work: () => Promise<T | undefined>): Promise<T | undefined> => {
    const running = work().then((res) => {
      const made = res && (res.status === 200 || res.status === 201) ? (res.body as { revision?: unknown }).revision : undefined;
      if (typeof made === "number") ownDeploys.current.add(`${flowId}@${made}`);
      return res;
    });
    deployInFlight.current = running.finally(() => undefined).catch(() => undefined);
    return running;
  }, []);

  /** Keeps the shown flow's unsaved edits, so opening another tab does not lose them. */
  const stash = useCallback(() => {
    const { history: h, revision: r, base: b, current: c } = live.current;
    if (!sameDoc(b, h.doc) && (c !== null || h.doc.nodes.length > 0 || h.past.length > 0)) drafts.current.set(h.doc.id, { history: h, revision: r, base: b });
    else drafts.current.delete(h.doc.id);
    setDraftCount(drafts.current.size);
  }, []);

  /** Shows a flow: its unsaved draft when there is one, else what the server runs (always that when `fresh`). */
  /** Flow details requested ahead of being opened (the first flow, at startup), by flow id. */
  const prefetched = useRef(new Map<string, Promise<{ status: number; body: FlowDetail }>>());
  const loadFlow = useCallback(
    async (id: string, how: { fresh?: boolean; dropShown?: boolean } = {}) => {
      if (!how.dropShown && live.current.history.doc.id !== id) stash();
      const draft = how.fresh ? undefined : drafts.current.get(id);
      const early = how.fresh ? undefined : prefetched.current.get(id);
      prefetched.current.delete(id);
      const res = draft ? undefined : await guard(() => early ?? api<FlowDetail>("GET", `/api/flows/${encodeURIComponent(id)}`));
      if (!draft && (!res || res.status !== 200)) return;
      drafts.current.delete(id);
      setDraftCount(drafts.current.size);
      setCurrent(draft ? (draft.base ? id : null) : id);
      setRevision(draft ? draft.revision : res!.body.revision);
      setHistory(draft ? draft.history : S.start(res!.body.flow));
      setBase(draft ? draft.base : res!.body.flow);
      setErrors({});
      setSelected([]);
      setSelectedEdges([]);
      // Once the new flow's nodes are on the canvas: measure their ports again (a reloaded node keeps its
      // size, so nothing else would, and its wires stay hidden), and fit it (the first fit ran before any were loaded).
      const ids = (draft ? draft.history.doc : res!.body.flow).nodes.map((n) => n.id);
      window.setTimeout(() => {
        updateNodeInternals(ids);
        void rf.fitView(FIT_VIEW);
      }, 50);
    },
    [guard, rf, updateNodeInternals, stash],
  );

  /** Revisions of the flows in the list, to tell a new deploy from one the list already shows. */
  const knownRevisions = useRef(new Map<string, number>());
  const refresh = useCallback(async (first?: { prefetch: true }) => {
    const listing = api<FlowSummary[]>("GET", "/api/flows");
    // At startup the first flow is fetched as soon as the list names it, alongside the catalog, not after it.
    if (first) void listing.then((l) => l.body[0] && prefetched.current.set(l.body[0].id, api<FlowDetail>("GET", `/api/flows/${encodeURIComponent(l.body[0].id)}`)), () => undefined);
    // Statuses are only badges: the flow is drawn without waiting for them.
    void api<{ flowId: string; nodeId: string; status: NodeStatus }[]>("GET", "/api/status").then(
      (st) => setStatuses(Object.fromEntries(st.body.map((s) => [`${s.flowId}/${s.nodeId}`, s.status]))),
      () => undefined,
    );
    const [cat, list] = await Promise.all([api<NodeCatalog>("GET", "/api/nodes"), listing]);
    setCatalog(cat.body);
    setFlows(list.body);
    knownRevisions.current = new Map(list.body.map((f) => [f.id, f.revision]));
    return list.body;
  }, []);

  /** Someone else deployed a flow: the shown one is reloaded when it has no unsaved edits, else the user is asked. */
  const onServerDeploy = useCallback(
    async (e: Extract<RuntimeEvent, { type: "deploy" }>) => {
      await deployInFlight.current;
      const shown = live.current;
      if (shown.current !== e.flowId || e.revision <= shown.revision || ownDeploys.current.has(`${e.flowId}@${e.revision}`)) return;
      if (sameDoc(shown.base, shown.history.doc)) await loadFlow(e.flowId, { fresh: true });
      else setServerChange({ flowId: e.flowId, revision: e.revision, author: e.author });
    },
    [loadFlow],
  );

  // Startup runs once: the callbacks it uses change identity while the canvas initialises, and re-running
  // would fetch everything again and open a second event stream.
  const startup = useRef({ guard, refresh, loadFlow, onServerDeploy });
  startup.current = { guard, refresh, loadFlow, onServerDeploy };
  useEffect(() => {
    const { guard, refresh, loadFlow } = startup.current;
    let stopped = false;
    let unsubscribe = (): void => undefined;
    const onEvent = (e: RuntimeEvent): void => {
      if (e.type === "status") setStatuses((s) => ({ ...s, [`${e.flowId}/${e.nodeId}`]: e.status }));
      else if (e.type === "debug" && !pausedRef.current) setDebug((d) => [...d.slice(-499), e]);
      else if (e.type === "counts") setCounts((c) => {
        const next = { ...c };
        for (const [k, v] of Object.entries(e.counts)) next[k] = (next[k] ?? []).map((n, i) => n + (v.out[i] ?? 0)).concat(v.out.slice((next[k] ?? []).length));
        return next;
      });
      // The stream first replays recent events: a deploy already in the list needs no new request.
      else if (e.type === "deploy" && (knownRevisions.current.get(e.flowId) ?? -1) < e.revision) void startup.current.refresh().then(() => startup.current.onServerDeploy(e));
      else if (e.type === "flow-removed" && knownRevisions.current.has(e.flowId)) void startup.current.refresh();
    };
    void guard(async () => {
      try {
        const list = await refresh({ prefetch: true });
        if (list[0]) await loadFlow(list[0].id);
        // The form is wanted as soon as a node is clicked: fetch its chunk once the first flow is on screen.
        (window.requestIdleCallback ?? ((fn: () => void) => window.setTimeout(fn, 200)))(() => void loadNodeForm());
      } finally {
        // Subscribed once the flow list is known, so the replayed deploys are recognised.
        if (!stopped) unsubscribe = subscribe(onEvent);
      }
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, []);

  const edit = useCallback((fn: (d: FlowDocument) => FlowDocument) => setHistory((h) => S.apply(h, fn)), []);

  /** Fires a deployed inject node now, as `wattflow trigger` does. */
  const trigger = useCallback(
    async (nodeId: string) => {
      const res = await guard(() => api("POST", `/api/flows/${encodeURIComponent(doc.id)}/nodes/${encodeURIComponent(nodeId)}/trigger`));
      if (res && res.status !== 202) setDialog({ kind: "message", text: `${nodeId} is not running in the deployed flow: deploy it first.` });
    },
    [doc.id, guard],
  );

  // A link node's target opens with a click; showMatch is defined further down, so the canvas reaches it through a ref.
  const openNode = useRef<(flowId: string, nodeId: string) => void>(() => undefined);

  // Canvas projection of the document.
  const rfNodes: RfNode<FlowNodeData>[] = useMemo(
    () =>
      doc.nodes.map((n) => ({
        id: n.id,
        type: "wf",
        position: shownPositions[n.id] ?? n.position ?? { x: 0, y: 0 },
        selected: selected.includes(n.id),
        // What a screen reader says on reaching the node: kind, name, and whether something is wrong.
        ariaLabel: `${n.type} node ${n.name ?? n.id}${n.disabled ? ", disabled" : ""}${errors[n.id]?.length ? `, ${errors[n.id]!.length} problem(s): ${errors[n.id]![0]}` : ""}`,
        data: {
          label: n.name ?? n.id,
          type: n.type,
          inputs: entries.get(n.type)?.inputs ?? 1,
          ports: portsOf(n, entries.get(n.type)?.outputs),
          status: statuses[`${doc.id}/${n.id}`],
          errors: errors[n.id],
          disabled: n.disabled,
          ...(current !== null && n.type === "inject" ? { onTrigger: () => void trigger(n.id) } : {}),
          // A debug node's output to the debug panel, switched on the canvas (an edit of toEvents, deployed like any other).
          ...(n.type === "debug" ? { debugOn: n.config?.toEvents !== false, onToggleDebug: () => edit(S.updateNode(n.id, { config: { ...n.config, toEvents: n.config?.toEvents === false } })) } : {}),
          ...(n.type === "link-out" || n.type === "link-call" ? { links: linkTargets(n, doc.id).map((t) => ({ text: t.text, open: () => openNode.current(t.flowId, t.nodeId) })) } : {}),
        },
      })),
    [doc, selected, entries, statuses, errors, shownPositions, current, trigger, edit],
  );
  // React Flow measures nodes and expects the sizes back on the nodes it is given; without them it keeps nodes hidden.
  const measuredNodes = useMemo(() => rfNodes.map((n): RfNode => (sizes[n.id] ? { ...n, measured: sizes[n.id] } : n)), [rfNodes, sizes]);
  const shownNodes = useMemo(() => {
    // Only the nodes being dragged are new objects on each frame of a drag: the canvas redraws just those.
    const nodes: RfNode[] = measuredNodes.map((n) => (dragPos[n.id] ? { ...n, position: dragPos[n.id]! } : n));
    // A wire to a node that does not exist ends at a red stand-in right of its source, so it can be seen and deleted.
    for (const target of new Set(dangling.map((e) => e.target))) {
      const id = missingId(target);
      nodes.push({ id, type: "missing", ariaLabel: `missing node ${target}`, position: shownPositions[id] ?? { x: 0, y: 0 }, data: { target }, selectable: false, draggable: false, deletable: false, ...(sizes[id] ? { measured: sizes[id] } : {}) });
    }
    return nodes;
  }, [measuredNodes, dragPos, sizes, dangling, shownPositions]);
  const rfEdges: RfEdge[] = useMemo(() => {
    const missing = new Set(dangling.map((e) => e.id));
    return S.edgesOf(doc).map((e) => {
      const n = counts[`${doc.id}/${e.source}`]?.[e.port];
      const broken = missing.has(e.id);
      return {
        id: e.id,
        source: e.source,
        sourceHandle: `out-${e.port}`,
        target: broken ? missingId(e.target) : e.target,
        targetHandle: "in",
        selected: selectedEdges.includes(e.id),
        ...(broken ? { className: "dangling" } : n ? { label: String(n) } : {}),
      };
    });
  }, [doc, counts, selectedEdges, dangling]);

  const onNodesChange = useCallback(
    (changes: NodeChange<RfNode>[]) => {
      const measured = changes.flatMap((c) => (c.type === "dimensions" && c.dimensions ? [[c.id, c.dimensions] as const] : []));
      if (measured.length) setSizes((m) => ({ ...m, ...Object.fromEntries(measured) }));
      const sel = changes.filter((c) => c.type === "select");
      if (sel.length) {
        setSelected((s) => {
          const next = new Set(s);
          for (const c of sel) if (c.type === "select") (c.selected ? next.add(c.id) : next.delete(c.id));
          return [...next];
        });
      }
      const moves = changes.filter((c): c is NodePositionChange => c.type === "position" && c.position !== undefined);
      if (moves.length) {
        const ended = moves.every((c) => !c.dragging);
        // Drawn before the frame that follows the pointer event, as the canvas draws its own state: a drag
        // update left to React's scheduler would land a frame late, and under load every other frame.
        if (!ended) flushSync(() => setDragPos((p) => ({ ...p, ...Object.fromEntries(moves.map((c) => [c.id, c.position!])) })));
        else {
          // Pin the laid-out nodes too, so moving one does not make the others jump.
          edit(S.moveNodes({ ...autoPositions, ...Object.fromEntries(moves.map((c) => [c.id, c.position!])) }));
          setDragPos({});
        }
      }
      // Removals arrive through onDelete, nodes and wires together, as one undo step.
    },
    [edit, autoPositions],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const sel = changes.flatMap((c) => (c.type === "select" ? [c] : []));
      if (sel.length) {
        setSelectedEdges((s) => {
          const next = new Set(s);
          for (const c of sel) (c.selected ? next.add(c.id) : next.delete(c.id));
          return [...next];
        });
      }
    },
    [],
  );
  const onDelete = useCallback(
    ({ nodes, edges }: { nodes: RfNode[]; edges: RfEdge[] }) => {
      const byId = new Map(S.edgesOf(doc).map((e) => [e.id, e]));
      const wires = edges.flatMap((e) => (byId.has(e.id) ? [byId.get(e.id)!] : []));
      const ids = nodes.map((n) => n.id).filter((id) => !id.startsWith("missing:"));
      if (ids.length || wires.length) edit(S.removeElements(ids, wires));
    },
    [doc, edit],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (c.source && c.target) edit(S.connect(c.source, Number((c.sourceHandle ?? "out-0").slice(4)), c.target));
    },
    [edit],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData("application/wattflow-type");
      if (!type) return;
      const position = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      edit(S.addNode(type, { x: Math.round(position.x), y: Math.round(position.y) }, {}, entries.get(type)?.version));
    },
    [edit, rf, entries],
  );

  /** Adds a node in the middle of the view (the palette's keyboard way) and selects it. */
  const addAtCentre = useCallback(
    (type: string) => {
      const box = document.querySelector("[data-testid=canvas]")?.getBoundingClientRect();
      if (!box) return;
      const centre = rf.screenToFlowPosition({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
      const id = S.freshId(live.current.history.doc, type);
      // Centred by its estimated size: the node is not drawn yet.
      const size = estimateSize({ id, type }, 1);
      edit(S.addNode(type, { x: Math.round(centre.x - size.width / 2), y: Math.round(centre.y - size.height / 2) }, {}, entries.get(type)?.version));
      setSelected([id]);
      setSelectedEdges([]);
      setPanel("node");
    },
    [edit, rf, entries],
  );

  const addFromPalette = useCallback(
    (type: string) => {
      addAtCentre(type);
      setPaletteOpen(false);
    },
    [addAtCentre],
  );
  const clearDebug = useCallback(() => setDebug([]), []);

  /** Every flow as the editor has it: the shown one and unsaved drafts as edited, the others as deployed. */
  const searchableFlows = useCallback(async (): Promise<SearchableFlow[]> => {
    const shown = live.current.history.doc;
    const own = (d: FlowDocument): SearchableFlow => ({ id: d.id, label: d.label ?? d.id, nodes: d.nodes });
    const local = new Map<string, SearchableFlow>([...[...drafts.current.values()].map((d): [string, SearchableFlow] => [d.history.doc.id, own(d.history.doc)]), [shown.id, own(shown)]]);
    const fetched = await Promise.all(
      flows
        .filter((f) => !local.has(f.id))
        .map(async (f) => {
          const res = await guard(() => api<FlowDetail>("GET", `/api/flows/${encodeURIComponent(f.id)}`));
          return res?.status === 200 ? own(res.body.flow) : null;
        }),
    );
    const byId = new Map([...fetched.flatMap((f) => (f ? [[f.id, f] as const] : [])), ...local]);
    // In tab order, unsaved new flows last.
    return [...flows.map((f) => f.id), ...local.keys()].filter((id, i, all) => all.indexOf(id) === i).flatMap((id) => byId.get(id) ?? []);
  }, [flows, guard]);

  /** Opens the match's flow with the node selected, in the middle of the view. */
  const showMatch = useCallback(
    async (m: NodeMatch) => {
      setSearching(false);
      if (live.current.history.doc.id !== m.flowId) await loadFlow(m.flowId);
      setSelected([m.nodeId]);
      setSelectedEdges([]);
      setPanel("node");
      // The opened flow is fitted to the view once drawn, and the layout may move the node when its neighbours are
      // measured: for a moment, the view is put back on the node whenever the node or the view moved.
      let last = "";
      const follow = (tries: number): void => {
        window.setTimeout(() => {
          const node = rf.getInternalNode(m.nodeId);
          if (node?.measured.width) {
            const { x, y } = node.internals.positionAbsolute;
            const view = rf.getViewport();
            const where = `${x},${y},${node.measured.width},${node.measured.height},${view.x},${view.y},${view.zoom}`;
            if (where !== last) {
              void rf.setCenter(x + node.measured.width / 2, y + (node.measured.height ?? 0) / 2, { zoom: Math.max(view.zoom, 1) });
              const set = rf.getViewport();
              last = `${x},${y},${node.measured.width},${node.measured.height},${set.x},${set.y},${set.zoom}`;
            }
          }
          if (tries > 1) follow(tries - 1);
        }, 100);
      };
      follow(12);
    },
    [loadFlow, rf],
  );
  openNode.current = (flowId, nodeId) => void showMatch({ flowId, flowLabel: flowId, nodeId, type: "" });

  // Keyboard shortcuts.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      const mod = e.ctrlKey || e.metaKey;
      // Ctrl+F finds a node in any flow, from anywhere but a code editor (which searches its own text).
      if (mod && e.key === "f" && !target.closest(".cm-editor")) return void (setSearching(true), e.preventDefault());
      if (target.closest("input, textarea, select, .node-form")) return;
      if (mod && e.key === "z") (e.shiftKey ? setHistory(S.redo) : setHistory(S.undo), e.preventDefault());
      else if (mod && e.key === "y") (setHistory(S.redo), e.preventDefault());
      else if (mod && e.key === "c") clipboard.current = doc.nodes.filter((n) => selected.includes(n.id)).map((n) => ({ ...n, position: shownPositions[n.id] ?? n.position }));
      else if (mod && e.key === "v" && clipboard.current.length) (edit(S.paste(clipboard.current, { x: 40, y: 40 })), e.preventDefault());
      else if (mod && e.key === "a") (setSelected(doc.nodes.map((n) => n.id)), e.preventDefault());
      else if (mod && e.key === "d") (void startDeploy(), e.preventDefault());
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const errorsByNode = (list: { nodeId?: string; pointer: string; message: string }[]): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const e of list) out[e.nodeId ?? "_flow"] = [...(out[e.nodeId ?? "_flow"] ?? []), `${e.pointer}: ${e.message}`];
    return out;
  };

  const startDeploy = async (): Promise<void> => {
    const res = await guard(() => api<ValidateResult>("POST", `/api/flows/${encodeURIComponent(doc.id)}/validate`, { flow: doc }));
    if (!res) return;
    // Syntax errors in function code are found here too, so they are listed even where the runtime only meets them at start.
    const toldByServer = new Set(res.body.errors.filter((e) => /syntax error/i.test(e.message)).map((e) => e.nodeId));
    const problems = [...res.body.errors, ...codeProblems(doc).filter((p) => !toldByServer.has(p.nodeId))];
    setErrors(errorsByNode(problems));
    setDialog({ kind: "deploy", lines: res.body.diff ? describeDiff(res.body.diff) : [], problems: problems.map((e) => `${e.nodeId ?? doc.id} ${e.pointer}: ${e.message}`) });
  };

  const deploy = async (): Promise<void> => {
    const known = flows.some((f) => f.id === doc.id);
    const res = await ownDeploy(doc.id, () =>
      guard(() =>
        known ? api<DeployResult | ValidationFailure>("PUT", `/api/flows/${encodeURIComponent(doc.id)}`, { flow: doc, expectedRevision: revision, author: "editor" }) : api<DeployResult | ValidationFailure>("POST", "/api/flows", { flow: doc, author: "editor" }),
      ),
    );
    if (!res) return;
    if (res.status === 200 || res.status === 201) {
      const r = res.body as DeployResult;
      setRevision(r.revision);
      setCurrent(doc.id);
      setBase(doc);
      setErrors({});
      setDialog({ kind: "message", text: r.unchanged ? "Nothing changed." : `Deployed revision ${r.revision}.` });
      await refresh();
    } else if (res.status === 400) {
      setErrors(errorsByNode((res.body as ValidationFailure).errors));
      setDialog({ kind: "message", text: `Refused: ${(res.body as ValidationFailure).errors.length} problem(s), shown on the nodes. Nothing was changed.` });
    } else if (res.status === 409) {
      const server = await api<FlowDetail>("GET", `/api/flows/${encodeURIComponent(doc.id)}`);
      const v = await api<ValidateResult>("POST", `/api/flows/${encodeURIComponent(doc.id)}/validate`, { flow: doc });
      setDialog({ kind: "conflict", current: server.body.revision, lines: v.body.diff ? describeDiff(v.body.diff) : [] });
    }
  };

  /** Every flow with edits not deployed: the shown one and the other tabs' drafts. */
  const modifiedFlows = (): { doc: FlowDocument; revision: number; known: boolean }[] => [
    ...[...drafts.current.values()].filter((d) => d.history.doc.id !== doc.id).map((d) => ({ doc: d.history.doc, revision: d.revision, known: flows.some((f) => f.id === d.history.doc.id) })),
    ...(modified || (current === null && doc.nodes.length > 0) ? [{ doc, revision, known: flows.some((f) => f.id === doc.id) }] : []),
  ];

  /** Checks every modified flow as a deploy would and shows, per flow, what would change or what is wrong. */
  const startDeployAll = async (): Promise<void> => {
    const targets = modifiedFlows();
    const checked = await guard(() =>
      Promise.all(
        targets.map(async (t) => {
          const companions = targets.filter((o) => o.doc.id !== t.doc.id).map((o) => o.doc);
          const res = await api<ValidateResult>("POST", `/api/flows/${encodeURIComponent(t.doc.id)}/validate`, { flow: t.doc, companions });
          const told = new Set(res.body.errors.filter((e) => /syntax error/i.test(e.message)).map((e) => e.nodeId));
          const problems = [...res.body.errors, ...codeProblems(t.doc).filter((p) => !told.has(p.nodeId))];
          return { id: t.doc.id, lines: res.body.diff ? describeDiff(res.body.diff) : [], problems: problems.map((e) => `${e.nodeId ?? t.doc.id} ${e.pointer}: ${e.message}`) };
        }),
      ),
    );
    if (checked) setDialog({ kind: "deploy-all", flows: checked });
  };

  /**
   * Deploys the modified flows together, all or none, so new flows that link to each other go at once and
   * none is left running with a link into a flow that was refused.
   */
  const deployAll = async (): Promise<void> => {
    const targets = modifiedFlows();
    const running = guard(() =>
      api<BatchDeployResult | ValidationFailure | BatchConflict>("POST", "/api/flows/batch", { flows: targets.map((t) => ({ flow: t.doc, expectedRevision: t.known ? t.revision : 0 })), author: "editor" }),
    ).then((res) => {
      if (res?.status === 200) for (const r of (res.body as BatchDeployResult).results) ownDeploys.current.add(`${r.flowId}@${r.revision}`);
      return res;
    });
    deployInFlight.current = running.catch(() => undefined);
    const res = await running;
    if (!res) return;
    if (res.status === 200) {
      const lines = (res.body as BatchDeployResult).results.map((r) => {
        if (r.flowId === doc.id) (setRevision(r.revision), setCurrent(doc.id), setBase(doc), setErrors({}));
        else drafts.current.delete(r.flowId);
        return `${r.flowId}: ${r.unchanged ? "nothing changed" : `revision ${r.revision}`}`;
      });
      setDraftCount(drafts.current.size);
      setDialog({ kind: "message", text: `Deployed:\n${lines.join("\n")}` });
    } else if (res.status === 409) {
      const names = (res.body as BatchConflict).conflicts.map((c) => c.flowId).join(", ");
      setDialog({ kind: "message", text: `Nothing was deployed: someone deployed ${names} meanwhile. Open it and deploy it alone to resolve.` });
    } else if (res.status === 400) {
      const errors = (res.body as ValidationFailure).errors;
      setDialog({ kind: "message", text: `Nothing was deployed: ${errors.length} problem(s).\n${errors.map((e) => `${e.flowId ?? ""}/${e.nodeId ?? ""} ${e.pointer}: ${e.message}`).join("\n")}` });
    } else setDialog({ kind: "message", text: `Nothing was deployed (HTTP ${res.status}).` });
    await refresh();
  };

  const loadRevisions = useCallback(async () => {
    const res = await guard(() => api<RevisionSummary[]>("GET", `/api/flows/${encodeURIComponent(doc.id)}/revisions`));
    if (res?.status === 200) setRevisions(res.body);
  }, [doc.id, guard]);
  useEffect(() => {
    if (panel === "history") void loadRevisions();
  }, [panel, revision, loadRevisions]);

  const rollback = async (rev: number): Promise<void> => {
    const res = await ownDeploy(doc.id, () => guard(() => api<DeployResult>("POST", `/api/flows/${encodeURIComponent(doc.id)}/rollback`, { revision: rev, expectedRevision: revision, author: "editor" })));
    if (res?.status === 200) {
      await loadFlow(doc.id, { fresh: true });
      await loadRevisions();
      setDialog({ kind: "message", text: `Rolled back to revision ${rev} (now revision ${res.body.revision}).` });
    } else if (res?.status === 409) setDialog({ kind: "message", text: "Someone deployed meanwhile: reload before rolling back." });
  };

  const showDiff = async (from: number, to: number): Promise<void> => {
    const res = await guard(() => api<{ diff: FlowDiff }>("GET", `/api/flows/${encodeURIComponent(doc.id)}/diff?from=${from}&to=${to}`));
    if (res?.status === 200) setDiffText([`${from} → ${to}`, ...describeDiff(res.body.diff)]);
  };

  const newFlow = (): void => {
    const id = prompt("New flow id (letters, digits, - and _)", "my-flow")?.trim();
    if (!id) return;
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return setDialog({ kind: "message", text: `"${id}" is not a flow id: use letters, digits, - and _ only.` });
    if (flows.some((f) => f.id === id) || drafts.current.has(id) || doc.id === id) return setDialog({ kind: "message", text: `A flow with id "${id}" exists already: choose another id (or open its tab to edit it).` });
    stash();
    setCurrent(null);
    setRevision(0);
    setBase(null);
    setHistory(S.start(S.emptyFlow(id)));
    setSelected([]);
    setSelectedEdges([]);
  };

  const tidyFlow = (): void => {
    edit(tidy(sizeOf));
    window.setTimeout(() => void rf.fitView(FIT_VIEW), 50);
  };

  const exportFlow = async (): Promise<void> => {
    const text = JSON.stringify(doc, null, 2);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    a.download = `${doc.id}.json`;
    a.click();
    // Also to the clipboard, when the browser allows it (it may ask, so nothing waits on it).
    void navigator.clipboard?.writeText(text).catch(() => undefined);
  };

  /** Keeps imported flows that are not shown as drafts, each in its own tab: an edit of the flow with that id when one exists. */
  const draftImported = async (imported: FlowDocument): Promise<void> => {
    const draft = drafts.current.get(imported.id);
    if (draft) return void drafts.current.set(imported.id, { ...draft, history: S.apply(draft.history, () => imported) });
    const res = flows.some((f) => f.id === imported.id) ? await guard(() => api<FlowDetail>("GET", `/api/flows/${encodeURIComponent(imported.id)}`)) : undefined;
    const server = res?.status === 200 ? res.body : undefined;
    drafts.current.set(imported.id, {
      history: S.apply(S.start(server ? server.flow : S.emptyFlow(imported.id)), () => imported),
      revision: server ? server.revision : 0,
      base: server ? server.flow : null,
    });
  };

  const importText = async (text: string): Promise<void> => {
    try {
      const raw = JSON.parse(text) as unknown;
      let docs: FlowDocument[];
      let report = "";
      if (Array.isArray(raw)) {
        // A Node-RED export: the same conversion as `wattflow import node-red`, every tab a flow.
        const r = (await loadNodeRedConverter()).convertNodeRed(raw);
        if (r.flows.length === 0) throw new Error("the Node-RED export has no nodes Wattflow can convert");
        docs = r.flows;
        const nodes = docs.reduce((n, f) => n + f.nodes.length, 0);
        report = [
          `Imported ${nodes} node(s) from Node-RED into ${docs.length} flow(s), each in its own tab: ${docs.map((f) => f.id).join(", ")}.`,
          ...(r.unsupported.length ? [`Not imported: ${r.unsupported.map((u) => `${u.type}${u.name ? ` "${u.name}"` : ""} (${u.id})`).join(", ")}`] : []),
          ...r.warnings.filter((w) => !r.unsupported.some((u) => w.startsWith(`${u.id}:`))),
        ].join("\n");
      } else {
        const parsed = raw as FlowDocument;
        if (!parsed || parsed.format !== "wattflow/flow@1" || !Array.isArray(parsed.nodes)) throw new Error("not a Wattflow flow (format wattflow/flow@1) or a Node-RED export");
        docs = [parsed];
      }
      // The shown flow when the import has it, else the first; the others wait in their tabs as drafts.
      const parsed = docs.find((d) => d.id === doc.id) ?? docs[0]!;
      for (const other of docs) if (other !== parsed) await draftImported(other);
      setDraftCount(drafts.current.size);
      // The import is an edit of the flow with its id (undo shows that flow as it was), opened in its own tab.
      if (parsed.id !== doc.id) {
        if (flows.some((f) => f.id === parsed.id) || drafts.current.has(parsed.id)) await loadFlow(parsed.id);
        else {
          stash();
          setCurrent(null);
          setRevision(0);
          setBase(null);
          setHistory(S.start(S.emptyFlow(parsed.id)));
        }
      }
      setHistory((h) => S.apply(h, () => parsed));
      setSelected([]);
      setSelectedEdges([]);
      setDialog(report ? { kind: "message", text: report } : null);
      window.setTimeout(() => {
        updateNodeInternals(parsed.nodes.map((n) => n.id));
        void rf.fitView(FIT_VIEW);
      }, 50);
    } catch (err) {
      setDialog({ kind: "message", text: `Import failed: ${(err as Error).message}` });
    }
  };

  const renameFlow = (): void => {
    const label = prompt("Flow label", doc.label ?? doc.id);
    if (label) edit((d) => ({ ...d, label }));
  };

  const deleteFlow = async (): Promise<void> => {
    if (current === null || !confirm(`Delete flow ${doc.id}? It stops, and its file is removed.`)) return;
    const res = await guard(() => api("DELETE", `/api/flows/${encodeURIComponent(doc.id)}?expectedRevision=${revision}`));
    if (res?.status === 409) return setDialog({ kind: "message", text: "Someone deployed this flow meanwhile; reload before deleting." });
    const list = await refresh();
    drafts.current.delete(doc.id);
    if (list[0]) await loadFlow(list[0].id, { dropShown: true });
    else (setCurrent(null), setBase(null), setHistory(S.start(S.emptyFlow("my-flow"))));
  };

  const modified = useMemo(() => !sameDoc(base, doc), [base, doc]);
  // Leaving the page with edits not deployed asks first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent): void => {
      if (!modified && drafts.current.size === 0) return;
      e.preventDefault();
      e.returnValue = "There are edits not deployed.";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [modified]);

  useEffect(() => {
    if (serverChange && serverChange.flowId !== doc.id) setServerChange(null);
  }, [doc.id, serverChange]);

  const selectedNode = selected.length === 1 ? doc.nodes.find((n) => n.id === selected[0]) : undefined;
  useEffect(() => {
    if (selectedNode) setPanel("node");
  }, [selectedNode?.id]);

  if (needLogin) return <Login onDone={() => (setNeedLogin(false), location.reload())} />;

  return (
    <div className="app" style={side.gridStyle}>
      <header>
        <strong className="brand">Wattflow</strong>
        <FlowTabs
          tabs={[
            ...flows.map((f) => ({
              id: f.id,
              label: f.id === current ? (doc.label ?? f.label) : (drafts.current.get(f.id)?.history.doc.label ?? f.label),
              failed: f.state === "failed",
              modified: f.id === current ? modified : drafts.current.has(f.id),
            })),
            ...[...drafts.current.values()].filter((d) => !flows.some((f) => f.id === d.history.doc.id)).map((d) => ({ id: d.history.doc.id, label: `${d.history.doc.id} (new)`, failed: false, modified: true })),
            ...(current === null && !flows.some((f) => f.id === doc.id) ? [{ id: doc.id, label: `${doc.id} (new)`, failed: false, modified: true }] : []),
          ]}
          current={current ?? doc.id}
          onOpen={(id) => void (id !== doc.id ? loadFlow(id) : undefined)}
        />
        <div className="actions" data-testid="toolbar">
          <button className="phone-only" onClick={() => setPaletteOpen((o) => !o)} aria-pressed={paletteOpen} aria-label="palette" title={paletteOpen ? "hide the node palette" : "show the node palette"}>
            Nodes
          </button>
          <button onClick={newFlow} title="new flow">+</button>
          <button onClick={renameFlow} title="rename this flow">Rename</button>
          <button onClick={() => void deleteFlow()} title="delete this flow" disabled={current === null}>Delete</button>
          <span className="sep" />
          <button onClick={() => setHistory(S.undo)} disabled={history.past.length === 0} title="undo (Ctrl+Z)">Undo</button>
          <button onClick={() => setHistory(S.redo)} disabled={history.future.length === 0} title="redo (Ctrl+Y)">Redo</button>
          <button onClick={tidyFlow} title="lay the flow out left to right">Tidy</button>
          <button onClick={() => setDialog({ kind: "import" })} title="import a flow or a Node-RED export">Import</button>
          <button onClick={() => void exportFlow()} title="download this flow as JSON">Export</button>
          <DeployMenu modifiedCount={modifiedFlows().length} onDeployThis={() => void startDeploy()} onDeployAll={() => void startDeployAll()} />
          <button onClick={theme.cycle} aria-label="theme" data-testid="theme-toggle" title={`theme: ${theme.choice === "system" ? `as the system (${theme.theme})` : theme.choice}; click for ${theme.choice === "system" ? "dark" : theme.choice === "dark" ? "light" : "the system's"}`}>
            {theme.choice === "system" ? "◐" : theme.choice === "dark" ? "☾" : "☀"}
          </button>
          <button onClick={side.toggle} aria-pressed={side.open} aria-label="side panel" title={side.open ? "hide the side panel" : "show the side panel"}>
            {side.open ? "Panel ▸" : "◂ Panel"}
          </button>
        </div>
      </header>
      <PaletteView nodes={catalog.nodes} open={paletteOpen} onAdd={addFromPalette} />
      <main onDrop={onDrop} onDragOver={(e) => (e.preventDefault(), (e.dataTransfer.dropEffect = "copy"))} data-testid="canvas">
        {serverChange && (
          <div className="notice-bar" role="alert" data-testid="server-change">
            <span>
              {serverChange.author || "Someone"} deployed this flow (revision {serverChange.revision}); your edits here are based on revision {revision}.
            </span>
            <button onClick={() => (setServerChange(null), void loadFlow(doc.id, { fresh: true }))}>Reload theirs</button>
            <button onClick={() => setServerChange(null)} title="keep editing; Deploy will then ask before it overwrites their revision">
              Keep mine
            </button>
          </div>
        )}
        <ReactFlow
          nodes={shownNodes}
          edges={rfEdges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onDelete={onDelete}
          onNodeClick={(e) => {
            setPanel("node");
            // A plain click selects just that node: a wire selected earlier must not go with a later Delete.
            if (!e.shiftKey) setSelectedEdges([]);
          }}
          onPaneClick={() => {
            setSelected([]);
            setSelectedEdges([]);
          }}
          deleteKeyCode={["Delete", "Backspace"]}
          multiSelectionKeyCode="Shift"
          selectionOnDrag
          panOnDrag={[1, 2]}
          minZoom={MIN_ZOOM}
          fitView
          fitViewOptions={FIT_VIEW}
          colorMode={theme.theme}
        >
          <Background />
          <Controls>
            <ControlButton onClick={toggleMinimap} title={minimap ? "hide the minimap" : "show the minimap"} aria-label={minimap ? "hide the minimap" : "show the minimap"} aria-pressed={minimap} data-testid="minimap-toggle">
              ▦
            </ControlButton>
          </Controls>
          {minimap && <MiniMap pannable zoomable />}
        </ReactFlow>
      </main>
      <aside className="side" hidden={!side.open} data-testid="side-panel">
        <div className="side-resizer" role="separator" aria-orientation="vertical" aria-label="resize the side panel" onPointerDown={side.startResize} />
        <nav className="side-tabs">
          {(["node", "flow", "debug", "history", "parked", "context"] as const).map((p) => (
            <button key={p} aria-selected={panel === p} onClick={() => setPanel(p)}>
              {p}
            </button>
          ))}
        </nav>
        {panel === "node" &&
          (selectedNode ? (
            <Suspense fallback={<p className="muted">Loading the form…</p>}>
              <NodeForm
                node={selectedNode}
                entry={entries.get(selectedNode.type)}
                doc={doc}
                connections={catalog.connections}
                errors={errors[selectedNode.id] ?? []}
                onChange={(patch) => edit(S.updateNode(selectedNode.id, patch))}
                onCreateConnection={(type) => {
                  const id = S.freshConnectionId(doc, type);
                  edit(S.addConnection(id, type));
                  return id;
                }}
                onConnectionChange={(id, config) => edit(S.updateConnection(id, config))}
              />
            </Suspense>
          ) : (
            <p className="muted">Select one node to edit it.</p>
          ))}
        {panel === "flow" && <FlowForm doc={doc} onChange={(settings) => edit((d) => withSettings(d, settings))} />}
        {panel === "debug" && <DebugPanelView messages={debug} onClear={clearDebug} paused={paused} onPause={setPaused} />}
        {panel === "parked" && <DeadLetterPanel flowId={doc.id} />}
        {panel === "context" && <ContextPanel doc={doc} node={selectedNode} />}
        {panel === "history" && (
          <div className="history" data-testid="history">
            {revisions.map((r, i) => (
              <div key={r.revision} className="revision" data-testid="revision">
                <b>#{r.revision}</b> {r.time.slice(0, 19).replace("T", " ")} {r.author} {r.message}
                <div>
                  {revisions[i + 1] && <button onClick={() => void showDiff(revisions[i + 1]!.revision, r.revision)}>diff</button>}
                  {r.revision !== revision && <button onClick={() => void rollback(r.revision)} data-testid={`rollback-${r.revision}`}>roll back</button>}
                </div>
              </div>
            ))}
            {diffText.length > 0 && <pre className="diff">{diffText.join("\n")}</pre>}
          </div>
        )}
      </aside>
      {searching && <SearchDialog load={searchableFlows} onChoose={(m) => void showMatch(m)} onClose={() => setSearching(false)} />}
      {dialog && (
        <div className="dialog" role="dialog" data-testid="dialog">
          {dialog.kind === "deploy" && (
            <>
              <h3>Deploy {doc.id}?</h3>
              {dialog.problems.length > 0 ? (
                <>
                  <p>The flow has problems; the runtime would refuse it:</p>
                  <ul>{dialog.problems.map((p) => <li key={p}>{p}</li>)}</ul>
                </>
              ) : (
                <ul>{(dialog.lines.length ? dialog.lines : ["no node changes"]).map((l) => <li key={l}>{l}</li>)}</ul>
              )}
              <button onClick={() => setDialog(null)}>Cancel</button>
              <button className="primary" disabled={dialog.problems.length > 0} onClick={() => void deploy()} data-testid="confirm-deploy">Deploy</button>
            </>
          )}
          {dialog.kind === "deploy-all" && (
            <>
              <h3>Deploy {dialog.flows.length} modified flow(s)?</h3>
              {dialog.flows.some((f) => f.problems.length) && <p>Some flows have problems; the runtime would refuse them, so nothing is deployed:</p>}
              {dialog.flows.map((f) => (
                <section key={f.id} data-testid={`deploy-all-${f.id}`}>
                  <h4>{f.id}</h4>
                  <ul className={f.problems.length ? "errors" : ""}>{(f.problems.length ? f.problems : f.lines.length ? f.lines : ["no node changes"]).map((l) => <li key={l}>{l}</li>)}</ul>
                </section>
              ))}
              <button onClick={() => setDialog(null)}>Cancel</button>
              <button className="primary" disabled={dialog.flows.some((f) => f.problems.length > 0)} onClick={() => void deployAll()} data-testid="confirm-deploy-all">Deploy all</button>
            </>
          )}
          {dialog.kind === "conflict" && (
            <>
              <h3>Someone deployed {doc.id} meanwhile (revision {dialog.current})</h3>
              <p>Your edit was based on revision {revision}. Nothing was overwritten. Compared with the running flow, yours would:</p>
              <ul>{dialog.lines.map((l) => <li key={l}>{l}</li>)}</ul>
              <button onClick={() => (void loadFlow(doc.id, { fresh: true }), setDialog(null))}>Reload theirs (drop my edit)</button>
              <button onClick={() => (setRevision(dialog.current), setDialog(null))}>Keep mine, deploy over revision {dialog.current}</button>
              <button onClick={() => setDialog(null)}>Cancel</button>
            </>
          )}
          {dialog.kind === "import" && <ImportDialog onImport={(text) => void importText(text)} onCancel={() => setDialog(null)} />}
          {dialog.kind === "message" && (
            <>
              <p data-testid="dialog-text" style={{ whiteSpace: "pre-wrap" }}>{dialog.text}</p>
              <button onClick={() => setDialog(null)}>OK</button>
            </>
          )}
        </div>
      )}
    </div>
  );
}

function ImportDialog({ onImport, onCancel }: { onImport(text: string): void; onCancel(): void }) {
  const [text, setText] = useState("");
  return (
    <>
      <h3>Import a flow</h3>
      <input type="file" accept=".json,application/json" onChange={(e) => void e.target.files?.[0]?.text().then(setText)} />
      <textarea rows={12} placeholder="or paste flow JSON here" value={text} onChange={(e) => setText(e.target.value)} aria-label="flow JSON" />
      <button onClick={onCancel}>Cancel</button>
      <button className="primary" onClick={() => onImport(text)}>Import</button>
    </>
  );
}

function Login({ onDone }: { onDone(): void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        void api<{ token: string }>("POST", "/api/auth/login", { username: user, password }).then((r) => {
          if (r.status === 200) {
            setToken(r.body.token);
            onDone();
          } else setError("Wrong username or password.");
        });
      }}
    >
      <h2>Log in to Wattflow</h2>
      <input placeholder="username" value={user} onChange={(e) => setUser(e.target.value)} />
      <input placeholder="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      {error && <p className="errors">{error}</p>}
      <button className="primary">Log in</button>
    </form>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Editor />
    </ReactFlowProvider>
  );
}
