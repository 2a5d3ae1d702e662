/**
 * Terminal chat: runs an area's procedure in the terminal.
 *
 *   npm run chat -- --area nottingham-city     one area, as a bot fixed to that area runs it
 *   npm run chat                               every pack: asks the area after the danger question
 *   npm run chat -- --packs other/dialogs      packs from another folder
 *
 * On a terminal it prompts with readline. With stdin piped it reads one answer per line, echoes it, and prints
 * every prompt and notice, so a transcript can be kept or checked. It stops at the outcome (exit 0); input that
 * ends before an outcome exits 2. Exit 1: the packs are invalid. Exit 64: bad arguments or an unknown area.
 */
import { createInterface } from 'node:readline';
import { isAbsolute, relative, resolve } from 'node:path';
import { createEngine, type ConversationState, type Engine, type StepResult } from '../engine';
import { formatProblem, loadCatalogue, ProcedureInvalidError, type Catalogue } from '../procedure/load';
import { renderNotice, renderReminder, renderView } from './text-view';

export const EXIT = { outcome: 0, invalidPacks: 1, endedEarly: 2, usage: 64 } as const;

/** The dialogs folder of this repository, whatever the working directory. */
export function defaultPacksDir(): string {
  return resolve(__dirname, '..', '..', 'dialogs');
}

/** A path as short as it can be written from the working directory. */
export function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/**
 * A path typed on the command line. `npm run` starts scripts in the repository root and keeps the user's own
 * working directory in INIT_CWD, so a relative path is taken from there, then written from the repository root.
 * An absolute path is kept as it is.
 */
export function userPath(arg: string): string {
  if (isAbsolute(arg)) return arg;
  const absolute = resolve(process.env.INIT_CWD ?? process.cwd(), arg);
  return relative(process.cwd(), absolute) || '.';
}

export interface ChatArgs {
  area?: string;
  packs?: string;
  help: boolean;
}

const USAGE = [
  'Usage: npm run chat -- [--area <area>] [--packs <dir>]',
  '',
  '  --area <area>   run this area\'s procedure without asking (e.g. nottingham-city, sandwell)',
  '  --packs <dir>   read the procedure packs from <dir> instead of dialogs/',
  '',
  'Answer with an option\'s number or words; a checklist with comma-separated numbers or "none".',
  'Commands: back, restart, contacts, emergency, carry on, guidance, check, help, what is <acronym>, quit.',
  'Exit status: 0 outcome reached, 1 invalid packs, 2 input ended before an outcome, 64 bad arguments.',
].join('\n');

/** Parses the command line; returns a message for anything it does not understand. */
export function parseChatArgs(argv: string[]): ChatArgs | string {
  const args: ChatArgs = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--help' || flag === '-h') {
      args.help = true;
    } else if (flag === '--area' || flag === '--packs') {
      const value = inline ?? argv[++i];
      if (!value) return `${flag} needs a value`;
      if (flag === '--area') args.area = value;
      else args.packs = value;
    } else {
      return `unknown argument "${arg}"`;
    }
  }
  return args;
}

/** Loads the packs, or says why not (every problem as file:line:column). */
export function loadPacks(dir: string): Catalogue | string {
  try {
    return loadCatalogue(dir);
  } catch (e) {
    if (e instanceof ProcedureInvalidError) return `The procedure packs in ${shortPath(dir)} are invalid:\n${e.problems.map(formatProblem).join('\n')}`;
    const message = e instanceof Error ? e.message : String(e);
    return `Cannot read the procedure packs in ${shortPath(dir)}: ${message}`;
  }
}

/** Builds the engine for the chosen area (that pack alone, so areas never mix), or for every pack. */
export function engineFor(catalogue: Catalogue, area: string | undefined): Engine | string {
  if (area === undefined) return createEngine({ procedures: catalogue.procedures, common: catalogue.common });
  const p = catalogue.procedures.find((x) => x.area === area);
  if (!p) {
    const valid = catalogue.procedures.map((x) => x.area).join(', ');
    return `Unknown area "${area}". Valid areas: ${valid}.`;
  }
  return createEngine({ procedures: [p], common: catalogue.common, defaultArea: area });
}

/** Prints a turn: the notice, then the whole view if the run moved, or a one-line reminder if it did not. */
export function renderTurn(result: StepResult, first = false): string {
  const parts: string[] = [];
  if (result.notice) parts.push(renderNotice(result.notice));
  else if (result.error) parts.push(`Error: ${result.error.message}`);
  parts.push(first || result.changed ? renderView(result.view) : renderReminder(result.view));
  return parts.join('\n\n');
}

/** One run of the chat: feeds typed lines to the engine and returns the text to print. The clock is injected. */
export class ChatSession {
  private state: ConversationState | null = null;
  finished = false;

  constructor(
    private readonly engine: Engine,
    private readonly clock: () => string = () => new Date().toISOString(),
  ) {}

  start(): string {
    const result = this.engine.start(this.clock());
    return this.take(result, true);
  }

  send(line: string): string {
    if (!this.state) return this.start();
    return this.take(this.engine.step(this.state, { type: 'text', text: line }, this.clock()));
  }

  private take(result: StepResult, first = false): string {
    this.state = result.state;
    this.finished = result.view.kind === 'outcome';
    return renderTurn(result, first);
  }
}

const QUIT = new Set(['quit', 'exit', ':q']);

/** Runs the chat on stdin/stdout; resolves with the exit status. */
export function runChat(argv: string[]): Promise<number> {
  const args = parseChatArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n\n${USAGE}\n`);
    return Promise.resolve(EXIT.usage);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return Promise.resolve(EXIT.outcome);
  }
  const catalogue = loadPacks(args.packs ? userPath(args.packs) : defaultPacksDir());
  if (typeof catalogue === 'string') {
    process.stderr.write(`${catalogue}\n`);
    return Promise.resolve(EXIT.invalidPacks);
  }
  const engine = engineFor(catalogue, args.area);
  if (typeof engine === 'string') {
    process.stderr.write(`${engine}\n`);
    return Promise.resolve(EXIT.usage);
  }

  const interactive = Boolean(process.stdin.isTTY);
  const session = new ChatSession(engine);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  out(session.start());
  out('');

  return new Promise((done) => {
    const rl = interactive
      ? createInterface({ input: process.stdin, output: process.stdout, terminal: true, prompt: '> ' })
      : createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
    let status: number | null = null;
    const finish = (code: number) => {
      if (status !== null) return;
      status = code;
      rl.close();
    };
    rl.on('line', (line) => {
      if (status !== null) return;
      if (!interactive) out(`> ${line}`);
      if (QUIT.has(line.trim().toLowerCase())) {
        process.stderr.write('Stopped before the procedure reached an outcome.\n');
        finish(EXIT.endedEarly);
        return;
      }
      out('');
      out(session.send(line));
      if (session.finished) finish(EXIT.outcome);
      else if (interactive) rl.prompt();
      else out('');
    });
    // Ctrl-C on a terminal ends the run like end of input: nothing is complete.
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      if (status === null) {
        status = EXIT.endedEarly;
        process.stderr.write(
          `${interactive ? '\n' : ''}The input ended before the procedure reached an outcome: nothing is complete. Start again with npm run chat.\n`,
        );
      }
      done(status);
    });
    if (interactive) rl.prompt();
  });
}

if (require.main === module) {
  runChat(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
