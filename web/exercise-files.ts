/** The example exercises the page offers (examples/exercises/), bundled at build time. */
const files = import.meta.glob('../examples/exercises/*.yaml', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export const EXERCISES: { name: string; text: string }[] = Object.entries(files)
  .map(([file, text]) => ({ name: file.replace(/^.*\//, '').replace(/\.yaml$/, ''), text }))
  .sort((a, b) => a.name.localeCompare(b.name));
