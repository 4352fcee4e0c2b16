/**
 * The autograd graph as plain data: what `dzdx graph` draws and the web
 * playground shows. Built from the tape at one moment of a run
 * (capture.ts), turned into DOT (dot.ts) and SVG (svg.ts). Plain data so
 * it serialises (JSON, the browser) and tests can read it without a picture.
 */

export type GraphNodeKind =
  /** An output the drawing starts from (the tensor backward() is called on, or a named result). */
  | 'root'
  /** A leaf that requires grad: where AccumulateGrad puts the gradient. */
  | 'leaf'
  /** A grad_fn node (`PowBackward0`, `CopySlices`). */
  | 'function'
  | 'accumulate'
  /** A tensor a grad_fn keeps for backward (PyTorch's `_saved_self`). */
  | 'saved'
  /** An input without autograd history: a cut (no_grad, detach, .data) or a plain constant. */
  | 'constant'
  /** A change of storage autograd cannot see (`x.data += 100`). */
  | 'mutation';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  /** The main text: a tensor's name, a grad_fn's name, `_saved_self`. */
  title: string;
  /** Further lines of the label: shape, source line, what happened to it. */
  details: string[];
  /** Source line the node comes from (the op, the mutation), when known. */
  line?: number;
  shape?: number[];
  /**
   * What befell it: a saved value freed by a backward, changed behind
   * autograd's back (`mutated`), or changed in place so backward will fail
   * (`modified`); a constant that is a cut of a value computed from leaves.
   */
  state?: 'freed' | 'mutated' | 'modified' | 'cut';
}

export type GraphEdgeKind =
  /** A tensor to its grad_fn. */
  | 'grad_fn'
  /** grad_fn.next_functions: the way gradients flow. */
  | 'next'
  /** AccumulateGrad to the leaf whose .grad it fills. */
  | 'accumulate'
  /** A grad_fn to a value it saved. */
  | 'saved'
  /** A grad_fn to an input slot with no gradient (next_functions holds None). */
  | 'none'
  /** A mutation to what it changed. */
  | 'mutation';

export interface GraphEdge {
  from: string;
  to: string;
  kind: GraphEdgeKind;
  label?: string;
}

export interface GraphMoment {
  /** At a backward()/autograd.grad() call (before it runs), at a line, or at the end of the run. */
  kind: 'backward' | 'grad' | 'line' | 'end';
  line: number | null;
  /** The line as the file names it: `line 12`, or a notebook's `cell 7, line 2` (null at the end). */
  place: string | null;
  statement: string;
}

export interface AutogradGraph {
  moment: GraphMoment;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Past this many nodes a drawing is unreadable and Graphviz slow: refuse with a clear message. */
export const MAX_GRAPH_NODES = 400;
