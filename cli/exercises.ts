/** `dzdx exercises`: write generated exercises, their scripts and answer keys into a folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answerKeyJson, generateExercises, LEVELS } from '../properties/exercises.js';

export async function exercisesCommand(args: { count: number; seed: number; level: number; out: string }): Promise<number> {
  if (!LEVELS.includes(args.level as never)) return usage(`--level is one of ${LEVELS.join(', ')}`);
  if (!Number.isInteger(args.count) || args.count < 1 || args.count > 1000) return usage('--count is a whole number from 1 to 1000');
  if (!Number.isInteger(args.seed)) return usage('--seed is a whole number');
  const exercises = generateExercises(args.count, args.seed, args.level);
  mkdirSync(args.out, { recursive: true });
  for (const e of exercises) {
    writeFileSync(join(args.out, `${e.name}.yaml`), e.exercise);
    writeFileSync(join(args.out, `${e.name}.py`), e.script);
    writeFileSync(join(args.out, `${e.name}.key.json`), answerKeyJson(e.key));
  }
  process.stderr.write(`wrote ${exercises.length} level-${args.level} exercises (seed ${args.seed}) to ${args.out}\n`);
  return exercises.length === args.count ? 0 : 1;
}

function usage(message: string): number {
  process.stderr.write(`dzdx exercises: ${message}\n`);
  return 2;
}
