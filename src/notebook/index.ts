/** Jupyter notebooks: reading .ipynb files with positions (see notebook.ts for the API). */
export { parseNotebook, cellPosition, formatCellPosition, codeScript, NotebookError, NOTEBOOK_LIMITS, type Notebook, type Cell, type CellKind, type CellPosition, type FilePosition } from './notebook.js';
export { parseJson, JsonError, type JsonNode } from './json.js';
