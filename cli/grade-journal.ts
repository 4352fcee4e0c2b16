/**
 * The journal of a long `dzdx grade` run: every graded row appended to
 * `OUT.journal` as one checksummed line, fsync'd in batches, so a run that
 * is killed (Ctrl-C, a crash, a full disk) loses nothing it wrote and
 * `--resume` goes on from there. A torn last line (the process died in the
 * middle of writing it) fails its checksum and is cut off. Results files
 * are written to a temporary file, fsync'd and renamed over the old one, so
 * they are never half-written.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const MAGIC = 'dzdx grade journal';

const checksum = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 12);

export class JournalError extends Error {}

export class Journal<T> {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** Rows already graded (resumed from the file), by index. */
    readonly done: Map<number, T>,
  ) {}

  /**
   * Open the journal of `out`. With `resume`, the rows it holds are read
   * (when it was written for the same inputs: `fingerprint`), else it is
   * started afresh.
   */
  static open<T>(out: string, fingerprint: string, rows: number, resume: boolean): { journal: Journal<T>; note: string | null } {
    const path = `${out}.journal`;
    const done = new Map<number, T>();
    let note: string | null = null;
    let keep = 0; // bytes of the journal that hold whole, valid records
    // Only a regular file can be a journal (never read a device or a fifo someone put there).
    const text = existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : '';
    if (text.includes('\n')) {
      const header = text.slice(0, text.indexOf('\n') + 1);
      let meta: { magic?: string; fingerprint?: string; rows?: number } = {};
      try {
        meta = JSON.parse(header);
      } catch {
        // not a journal of ours, or torn before its first line: start afresh
      }
      const same = meta.magic === MAGIC && meta.fingerprint === fingerprint && meta.rows === rows;
      if (resume && !same) {
        throw new JournalError(`${path} was written for other inputs (the exercise or the answers changed): remove it, or run without --resume to start over`);
      }
      if (resume) {
        let at = header.length;
        keep = Buffer.byteLength(header, 'utf8');
        while (at < text.length) {
          const end = text.indexOf('\n', at);
          if (end < 0) break; // a torn last line
          const line = text.slice(at, end);
          const tab = line.lastIndexOf('\t');
          const body = line.slice(0, tab);
          if (tab < 0 || checksum(body) !== line.slice(tab + 1)) break;
          let record: [number, T];
          try {
            record = JSON.parse(body);
          } catch {
            break;
          }
          if (!Array.isArray(record) || !Number.isInteger(record[0]) || record[0] < 0 || record[0] >= rows) break;
          if (!done.has(record[0])) done.set(record[0], record[1]);
          keep += Buffer.byteLength(text.slice(at, end + 1), 'utf8');
          at = end + 1;
        }
        const dropped = Buffer.byteLength(text.slice(at), 'utf8');
        note = `resuming: ${done.size} of ${rows} answers were graded${dropped ? ` (a torn record of ${dropped} bytes at the end of the journal was dropped)` : ''}`;
      } else if (meta.magic === MAGIC) {
        note = `${path} from an earlier run was replaced (use --resume to go on from where a run stopped)`;
      }
    } else if (resume) {
      note = `nothing to resume (${path} ${existsSync(path) ? 'holds no record' : 'does not exist'}): grading every answer`;
    }
    if (keep) truncateSync(path, keep);
    else {
      const fd = openSync(path, 'w');
      writeSync(fd, JSON.stringify({ magic: MAGIC, fingerprint, rows }) + '\n');
      fsyncSync(fd);
      closeSync(fd);
    }
    return { journal: new Journal<T>(path, openSync(path, 'a'), done), note };
  }

  /** Append graded rows and make them durable. */
  append(records: readonly [number, T][]): void {
    if (!records.length) return;
    let text = '';
    for (const r of records) {
      const body = JSON.stringify(r);
      text += `${body}\t${checksum(body)}\n`;
    }
    writeSync(this.fd, text);
    fsyncSync(this.fd);
    for (const [i, r] of records) if (!this.done.has(i)) this.done.set(i, r);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The run is complete: the journal is no longer needed. */
  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}

/** Write a file whole or not at all: a temporary file beside it, fsync'd, then renamed over it. */
export function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dir = openSync(dirname(path), 'r');
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    // some file systems cannot fsync a directory: the rename is still atomic
  }
}

/** What the results depend on: the exercise, the answers, the options that change grading. */
export function fingerprint(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:`).update(p);
  return h.digest('hex');
}
