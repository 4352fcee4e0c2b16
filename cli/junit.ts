/**
 * JUnit XML for CI dashboards (`dzdx props --reporter junit`): one test
 * case per property; a failure carries the counterexample and the replay
 * command, a property the engine cannot be checked for is skipped with the
 * reason.
 */
import type { RunOutcome } from '../properties/suite.js';

/** Text as XML character data or an attribute value: escaped, and without the characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface JUnitOptions {
  suite: string;
  seed: number;
  shard: string;
  formatFailure: (o: RunOutcome) => string;
}

export function junitReport(outcomes: readonly RunOutcome[], options: JUnitOptions): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const failures = outcomes.filter((o) => !o.passed && !o.notChecked).length;
  const skipped = outcomes.filter((o) => o.notChecked).length;
  const time = seconds(outcomes.reduce((s, o) => s + o.timeMs, 0));
  const counts = `tests="${outcomes.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"`;
  const cases = outcomes.map((o) => {
    const head = `    <testcase classname="dzdx.props" name="${xmlEscape(o.name)}" time="${seconds(o.timeMs)}"`;
    if (o.notChecked) return `${head}>\n      <skipped message="${xmlEscape(`not checked: ${o.notChecked}`)}"/>\n    </testcase>`;
    if (o.passed) return `${head}/>`;
    const first = (o.error ?? 'failed').trim().split('\n')[0]!;
    return `${head}>\n      <failure message="${xmlEscape(first)}" type="PropertyFailure">${xmlEscape(options.formatFailure(o))}</failure>\n    </testcase>`;
  });
  const props = [`      <property name="seed" value="${options.seed}"/>`, ...(options.shard ? [`      <property name="shard" value="${xmlEscape(options.shard)}"/>`] : [])];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dzdx props" ${counts}>`,
    `  <testsuite name="${xmlEscape(options.suite)}${options.shard ? ` (shard ${xmlEscape(options.shard)})` : ''}" ${counts}>`,
    '    <properties>',
    ...props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
