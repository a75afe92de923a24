/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time by function, by
 * source file (a package counts as one file) and by pipeline stage, so the
 * decision record can say where a build spends its time.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof scripts/galley.mjs build --manuscript <book> --no-cache
 *   npx tsx tools/bench/profile.ts /tmp/prof/CPU.*.cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** `node_modules/.pnpm/x/node_modules/@scope/pkg/...` → `@scope/pkg`; the project's own files stay paths. */
export function ownerOf(url: string): string {
  if (!url) return '(native)';
  const clean = url.replace(/^file:\/\//, '').replace(/\?.*$/, '');
  const at = clean.lastIndexOf('node_modules/');
  if (at >= 0) {
    const rest = clean.slice(at + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (clean.startsWith('node:')) return clean;
  const scripts = clean.indexOf('/scripts/');
  return scripts >= 0 ? clean.slice(scripts + 1) : clean;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: { name: string; owner: string; ms: number }[];
  byOwner: { owner: string; ms: number }[];
  /** Inclusive time under named project functions (processChapters, renderHtml, renderEpub…). */
  byStage: { stage: string; ms: number }[];
}

const STAGES = [
  'loadBook',
  'processChapters',
  'processChapter',
  'resolveLinks',
  'buildQuestionsIndex',
  'bookPages',
  'renderHtml',
  'renderEpub',
  'xhtmlDocument',
  'hastToXml',
  'generateAsync',
  'package',
  'sharedFiles',
];

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Sample time per node, from the samples and their deltas (more precise than hitCount × interval).
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const next = deltas[i + 1] ?? 0;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + next / 1000);
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const fn = new Map<string, { name: string; owner: string; ms: number }>();
  const owners = new Map<string, number>();
  const stages = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    total += ms;
    const owner = ownerOf(node.callFrame.url);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${name}\0${owner}\0${node.callFrame.lineNumber}`;
    const entry = fn.get(key) ?? { name: `${name}:${node.callFrame.lineNumber + 1}`, owner, ms: 0 };
    entry.ms += ms;
    fn.set(key, entry);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    // Inclusive stage time: count the sample once for each distinct stage on its stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (STAGES.includes(frame.functionName) && ownerOf(frame.url).startsWith('scripts/'))
        seen.add(frame.functionName);
    }
    for (const stage of seen) stages.set(stage, (stages.get(stage) ?? 0) + ms);
  }
  const sorted = <T extends { ms: number }>(list: T[]) => list.sort((a, b) => b.ms - a.ms);
  return {
    totalMs: total,
    byFunction: sorted([...fn.values()]).slice(0, top),
    byOwner: sorted([...owners].map(([owner, ms]) => ({ owner, ms }))).slice(0, top),
    byStage: sorted([...stages].map(([stage, ms]) => ({ stage, ms }))),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%`;
  const lines = [`Sampled ${(summary.totalMs / 1000).toFixed(2)} s`, '', 'By stage (inclusive):'];
  for (const s of summary.byStage) lines.push(`  ${pct(s.ms)}  ${(s.ms / 1000).toFixed(2).padStart(6)} s  ${s.stage}`);
  lines.push('', 'By file or package (self):');
  for (const o of summary.byOwner) lines.push(`  ${pct(o.ms)}  ${(o.ms / 1000).toFixed(2).padStart(6)} s  ${o.owner}`);
  lines.push('', 'Top functions (self):');
  for (const f of summary.byFunction)
    lines.push(`  ${pct(f.ms)}  ${(f.ms / 1000).toFixed(2).padStart(6)} s  ${f.name}  (${f.owner})`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // Piped into `head`: stop quietly when the reader goes away.
  process.stdout.on('error', () => process.exit(0));
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const files = args.filter((a, i) => !a.startsWith('--') && i !== topAt + 1);
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    process.stdout.write(`${file}\n${formatSummary(summarise(profile, top))}\n\n`);
  }
}
