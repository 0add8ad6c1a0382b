/**
 * A reader of the Dockerfile's instructions, enough to check the image's recipe and to run its
 * command outside a container: stages, their instructions, exec forms, COPY sources, and the
 * .dockerignore rules that decide what the build context holds.
 */

export interface Instruction {
  keyword: string;
  /** What follows the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  /** The image the stage starts from, with build arguments substituted. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** The instructions, grouped in stages (Dockerfile reference: format, line continuation, ARG/FROM). */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trimEnd();
    // comments are removed before continuation lines are joined, even inside an instruction
    if (/^\s*#/.test(line) || (line.trim() === '' && pending === undefined)) continue;
    const part = line.endsWith('\\') ? line.slice(0, -1) : line;
    pending = pending
      ? { text: `${pending.text} ${part.trim()}`, line: pending.line }
      : { text: part, line: i + 1 };
    if (!line.endsWith('\\')) {
      const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(pending.text);
      if (!m) throw new Error(`line ${pending.line}: cannot read "${pending.text}"`);
      instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: pending.line });
      pending = undefined;
    }
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      const from = m[1]!.replace(/\$\{?([A-Za-z_]+)\}?/g, (_, n: string) => globalArgs[n] ?? '');
      stages.push({ from, ...(m[2] && { name: m[2] }), instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before FROM`);
      const [name, value = ''] = ins.args.split('=', 2);
      globalArgs[name!] = value;
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** The instructions of a stage with this keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The one instruction of a stage with this keyword (the last one counts, as for CMD). */
export function lastInstruction(stage: Stage, keyword: string): Instruction | undefined {
  return instructionsOf(stage, keyword).at(-1);
}

/** `--name=value` options at the start of args, and the rest. */
export function splitOptions(args: string): { options: Record<string, string>; rest: string } {
  const options: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    options[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
  return { options, rest };
}

/** An exec form (`["node", "x.js"]`), or undefined for a shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`not an exec form: ${args}`);
  }
  return value;
}

/** ENV instructions of a stage (`A=1 B=2` form) as one map. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of instructionsOf(stage, 'ENV')) {
    for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
      env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

export interface Copy {
  /** The stage copied from, or undefined for the build context. */
  from?: string;
  sources: string[];
  dest: string;
  line: number;
}

/** The COPY instructions of a stage. */
export function copiesOf(stage: Stage): Copy[] {
  return instructionsOf(stage, 'COPY').map((ins) => {
    const { options, rest } = splitOptions(ins.args);
    const parts = execForm(rest) ?? rest.split(/\s+/);
    return {
      ...(options['from'] && { from: options['from'] }),
      sources: parts.slice(0, -1),
      dest: parts.at(-1)!,
      line: ins.line,
    };
  });
}

/**
 * Whether .dockerignore keeps `path` (relative to the context) out of the build context: the last
 * rule that matches it, or one of its parent directories, decides; `!` re-includes
 * (Docker's .dockerignore reference, with `*`, `?` and `**`).
 */
export function dockerIgnored(rules: string, path: string): boolean {
  let ignored = false;
  const parts = path.split('/');
  for (const raw of rules.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      `^${pattern
        .split(/(\*\*|\*|\?)/)
        .map((tok) =>
          tok === '**'
            ? '.*'
            : tok === '*'
              ? '[^/]*'
              : tok === '?'
                ? '[^/]'
                : tok.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('')}$`,
    );
    const matches = parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')));
    if (matches) ignored = !negate;
  }
  return ignored;
}
