/** The autograd graph of a script: capture it at a moment, write it as DOT, render it as SVG. */
export { captureGraph, captureCallGraphs, GraphMomentError, type GraphOptions, type GraphResult, type CallGraphs } from './capture.js';
export { buildGraph, GraphTooLargeError } from './build.js';
export { GraphRecorder } from './recorder.js';
export { toDot, dotString, momentText } from './dot.js';
export { toText } from './text.js';
export { renderSvg } from './svg.js';
export { MAX_GRAPH_NODES, type AutogradGraph, type GraphNode, type GraphEdge, type GraphMoment } from './model.js';
