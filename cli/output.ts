/**
 * A script's printed output, written in large chunks as Python does when
 * stdout is a file or a pipe: one write per print made `for i in
 * range(10**9): print(i)` spend most of its time in system calls (4.7 s for
 * 10 MB, Python takes 0.5 s). What the script writes to stderr (warnings,
 * the traceback) flushes stdout first, so the two interleave exactly as
 * when every print is written at once. On a terminal every print is
 * written at once, as Python writes each line there.
 *
 * Chunks go straight to file descriptor 1, so that a reader that went away
 * (`dzdx run x.py | head`) is seen at the failed write and the run stops
 * there, quietly (through process.stdout the error would only arrive
 * after the whole run).
 */
import { writeSync } from 'node:fs';
import { isatty } from 'node:tty';

const CHUNK = 1 << 16;

export interface BufferedOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Writes what is buffered; call before the command returns. */
  flush(): void;
}

let stream: NodeJS.WriteStream | undefined;

/** process.stdout, for a terminal or a descriptor someone made non-blocking; a reader that went away ends the run quietly. */
function stdoutStream(): NodeJS.WriteStream {
  if (stream === undefined) {
    stream = process.stdout;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit();
    });
  }
  return stream;
}

/** Writes all of `data` to stdout; false when the rest has to go through process.stdout (a non-blocking descriptor). */
function writeAll(data: Buffer): boolean {
  for (let done = 0; done < data.length; ) {
    try {
      done += writeSync(1, data, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit();
      if (code === 'EAGAIN') {
        stdoutStream().write(data.subarray(done));
        return false;
      }
      throw e;
    }
  }
  return true;
}

export function bufferedOutput(): BufferedOutput {
  // Not process.stdout.isTTY: making process.stdout would make a pipe's descriptor non-blocking.
  let direct = !isatty(1);
  const chunk = direct ? CHUNK : 0;
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (size === 0) return;
    const text = parts.join('');
    parts = [];
    size = 0;
    if (direct) direct = writeAll(Buffer.from(text));
    else stdoutStream().write(text);
  };
  return {
    stdout(text) {
      parts.push(text);
      size += text.length;
      if (size >= chunk) flush();
    },
    stderr(text) {
      flush();
      process.stderr.write(text);
    },
    flush,
  };
}
