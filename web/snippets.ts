/** The scripts the page offers: the tutorial's snippets from examples/, bundled at build time. */
const files = import.meta.glob('../examples/*.py', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export interface Snippet {
  /** `tutorial_no_grad` */
  name: string;
  /** The path the CLI would be given (`examples/tutorial_no_grad.py`): the file name tracebacks show. */
  path: string;
  source: string;
}

// The tutorial's order: requires_grad, no_grad, then the two .data mutations.
const ORDER = ['tutorial_requires_grad', 'tutorial_no_grad', 'tutorial_data_mutation', 'tutorial_data_mutation_pow'];

export const SNIPPETS: Snippet[] = Object.entries(files)
  .map(([file, source]) => {
    const name = file.replace(/^.*\//, '').replace(/\.py$/, '');
    return { name, path: `examples/${name}.py`, source };
  })
  .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}
