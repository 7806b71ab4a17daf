import {execFile, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {Help} from 'commander';
import {describe, expect, it} from 'vitest';
import {COMMANDS} from '../../source/cli/command-table.js';
import {completionScript, SHELLS} from '../../source/cli/completions.js';
import {renderManPage} from '../../source/cli/man-page.js';
import {buildProgram} from '../../source/config/command-line.js';
import {OPTIONS, SSH_OPTION_KEYS} from '../../source/config/option-table.js';
import {HANDLERS} from '../../source/config/ssh-config/keywords.js';
import {safeLines} from '../../source/text/safe-text.js';
import {useSshdAndEcho} from '../helpers/fixtures.js';
import {TUNNELS_BIN} from '../helpers/tunnels-process.js';
import {useServiceHome} from '../service/service-home.js';

/** Every word that selects an option in the parser itself: "-p", "-V", "--version", ... */
function parserFlags(): {flag: string; hidden: boolean}[] {
  const program = buildProgram();
  // The help option is kept apart from the others; the Help class lists it with the visible ones.
  const options = [...new Set([...program.options, ...new Help().visibleOptions(program)])];
  return options.flatMap((option) =>
    [option.short, option.long]
      .filter((flag): flag is string => flag !== undefined)
      .map((flag) => ({flag, hidden: option.hidden})),
  );
}

describe('the command line a newcomer reads: --help, the man page, completions', () => {
  const home = useServiceHome();

  it('every --help of every command and subcommand exits 0 and fits 80 columns', async () => {
    const invocations = [
      ['--help'],
      ['-h'],
      ...COMMANDS.flatMap((command) => [
        [command.name, '--help'],
        ...(command.subcommands ?? []).map((sub) => [command.name, sub.name, '--help']),
      ]),
    ];
    for (const args of invocations) {
      const help = await home.run(args);
      expect(help.status, `tunnels ${args.join(' ')}: ${help.stderr}`).toBe(0);
      expect(help.stderr).toBe('');
      const name = args.length > 1 ? args.slice(0, -1).join(' ') : '';
      expect(help.stdout).toMatch(new RegExp(`^usage: tunnels ${name}`));
      for (const line of help.stdout.split('\n'))
        expect(line.length, `tunnels ${args.join(' ')}: "${line}"`).toBeLessThanOrEqual(80);
    }
  });

  it('the main --help names the UI, favorites, @NAME, every command, -f and the -o keys', async () => {
    const {stdout} = await home.run(['--help']);
    expect(stdout).toContain('the full-screen UI');
    expect(stdout).toContain('@NAME');
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command.name} +\\S`, 'm'));
    for (const key of SSH_OPTION_KEYS) expect(stdout).toMatch(new RegExp(`\\b${key}\\b`));
    for (const {flag, hidden} of parserFlags())
      if (!hidden) expect(stdout).toMatch(new RegExp(`^  ${flag}\\b|, ${flag}\\b`, 'm'));
  });

  it('-f with --no-service is refused with a sentence (255), and nothing is started', async () => {
    const refused = await home.run(['-f', '--no-service', '-N', '-L', '0:127.0.0.1:1', 'nowhere.invalid']);
    expect(refused.status).toBe(255);
    expect(refused.stderr).toBe(
      'tunnels: -f hands the session to the background service and --no-service keeps it out of it; drop one\n',
    );
    expect(home.servicePids()).toEqual([]);
  });

  it('the -o keys listed are the ones the config reader acts on', () => {
    const listed = SSH_OPTION_KEYS.map((key) => key.toLowerCase());
    expect(new Set(listed).size).toBe(listed.length);
    for (const key of listed) expect(HANDLERS, key).toHaveProperty(key);
    // A keyword that is not listed is another name of one that is (ChallengeResponseAuthentication).
    for (const [keyword, handler] of Object.entries(HANDLERS))
      if (!listed.includes(keyword))
        expect(
          listed.some((key) => HANDLERS[key] === handler),
          keyword,
        ).toBe(true);
  });

  it('the parser takes exactly the options of the table', () => {
    const table = OPTIONS.flatMap((entry) => [entry.flag, ...(entry.long ? [entry.long] : [])]);
    expect(
      parserFlags()
        .map(({flag}) => flag)
        .sort(),
    ).toEqual([...table].sort());
  });

  it('the man page names every option the parser takes, every command and -o key; the build ships it', () => {
    const page = renderManPage('9.9.9');
    for (const {flag} of parserFlags()) expect(page, flag).toContain(flag.replaceAll('-', '\\-'));
    for (const command of COMMANDS) expect(page).toContain(`\\fBtunnels ${command.name}`);
    for (const key of SSH_OPTION_KEYS) expect(page).toContain(`\\fB${key}\\fR`);
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as {version: string; man: string};
    expect(pkg.man).toBe('./dist/tunnels.1');
    expect(fs.readFileSync(pkg.man, 'utf8')).toBe(renderManPage(pkg.version));
  });

  it('each completion script offers every option the parser takes (but ssh ignored ones) and every command', () => {
    // The flags each script offers where an option may go.
    const offered: Record<(typeof SHELLS)[number], (script: string) => string[]> = {
      bash: (script) => /local options="([^"]*)"/.exec(script)![1]!.split(' '),
      zsh: (script) => [...script.matchAll(/'\*?(-[^[' ]+)\[/g)].map((match) => match[1]!),
      fish: (script) =>
        [...script.matchAll(/^complete -c tunnels ((?:-[sl] \S+ ?)+)/gm)].flatMap((match) =>
          [...match[1]!.matchAll(/-([sl]) (\S+)/g)].map(([, kind, name]) =>
            kind === 's' ? `-${name}` : `--${name}`,
          ),
        ),
    };
    for (const shell of SHELLS) {
      const script = completionScript(shell);
      // Printed through safeLines: the script has nothing it would change.
      expect(safeLines(script), shell).toBe(script);
      const flags = offered[shell](script);
      for (const {flag, hidden} of parserFlags())
        expect(flags.includes(flag), `${shell} ${flag}`).toBe(!hidden);
      for (const command of COMMANDS) expect(script, `${shell} ${command.name}`).toContain(command.name);
    }
  });

  // zsh and fish are installed by the test command (scripts/test-setup.mjs), as every program the tests drive.
  for (const shell of ['zsh', 'fish'] as const) {
    it(`${shell} reads its script without a syntax error (${shell} -n)`, () => {
      const file = path.join(home.scratch, `tunnels.${shell}`);
      fs.writeFileSync(file, completionScript(shell));
      const check = spawnSync(shell, ['-n', file], {encoding: 'utf8', timeout: 10_000});
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  }

  it('completions with no shell or another shell: a sentence and status 255', async () => {
    const wrong = await home.run(['completions', 'tcsh']);
    expect(wrong.status).toBe(255);
    expect(wrong.stderr).toMatch(
      /^tunnels: completions takes one of bash, zsh, fish\nusage: tunnels completions/,
    );
  });
});

describe('bash completion (the script sourced, its function called with COMP_WORDS)', () => {
  const fixture = useSshdAndEcho();
  const home = useServiceHome();

  /** What _tunnels offers for these words (the last one being completed), one per line, sorted. */
  async function complete(script: string, words: string[]): Promise<string[]> {
    const bin = path.join(home.scratch, 'bin');
    const words_ = words.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
    const program = `source ${script}; COMP_WORDS=(${words_}); COMP_CWORD=${words.length - 1}; _tunnels; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return new Promise((resolve, reject) => {
      execFile(
        'bash',
        ['--norc', '--noprofile', '-c', program],
        {env: {...home.env, PATH: `${bin}:${process.env.PATH}`}, timeout: 20_000},
        (error, stdout) => (error ? reject(error) : resolve(stdout.split('\n').filter(Boolean).sort())),
      );
    });
  }

  it('offers flags, commands, ~/.ssh/config hosts, @favorites, running sessions, -o keys and files', async () => {
    // tunnels on PATH as a user has it; a ~/.ssh/config, a favorite, a background session.
    const bin = path.join(home.scratch, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'tunnels'),
      `#!/bin/sh\nexec "${process.execPath}" "${TUNNELS_BIN}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
    fs.mkdirSync(path.join(home.env.HOME!, '.ssh'));
    fs.writeFileSync(
      path.join(home.env.HOME!, '.ssh', 'config'),
      'Host dbhost webhost *.internal\n  Port 22\n',
    );
    expect((await home.run(['favorites', 'add', 'dbfav', '-L', '5432:db:5432', 'dbhost'])).status).toBe(0);
    const up = await home.run([
      'up',
      ...fixture.sshd.sshArgs(),
      '-o',
      'BatchMode=yes',
      '127.0.0.1',
      '--name',
      'dbsession',
    ]);
    expect(up.status, up.stderr).toBe(0);
    const script = path.join(home.scratch, 'tunnels.bash');
    fs.writeFileSync(script, (await home.run(['completions', 'bash'])).stdout);

    const flags = await complete(script, ['tunnels', '-']);
    for (const entry of OPTIONS.filter((option) => !option.hidden)) expect(flags).toContain(entry.flag);
    expect(flags).not.toContain('-Y');
    expect(await complete(script, ['tunnels', 'd'])).toEqual(['dbhost', 'down']);
    expect(await complete(script, ['tunnels', '@'])).toEqual(['@dbfav']);
    expect(await complete(script, ['tunnels', '-N', '-L', '1:a:1', 'w'])).toEqual(['webhost']);
    expect(await complete(script, ['tunnels', 'down', ''])).toEqual(['dbsession']);
    expect(await complete(script, ['tunnels', 'logs', '-'])).toEqual(['--help', '--json', '-f']);
    expect(await complete(script, ['tunnels', 'up', 'd'])).toEqual(['dbhost']);
    expect(await complete(script, ['tunnels', 'up', '@d'])).toEqual(['@dbfav']);
    expect(await complete(script, ['tunnels', '-o', 'ExitOn'])).toEqual(['ExitOnForwardFailure=']);
    expect(await complete(script, ['tunnels', '-J', 'web'])).toEqual(['webhost']);
    expect(await complete(script, ['tunnels', '-p', ''])).toEqual([]);
    expect(await complete(script, ['tunnels', '-F', path.join(home.scratch, 'tunnels.b')])).toEqual([script]);
    expect(await complete(script, ['tunnels', 'favorites', 'import-'])).toEqual(['import-ssh-config']);
    expect(await complete(script, ['tunnels', 'favorites', 'rm', ''])).toEqual(['dbfav']);
    expect(await complete(script, ['tunnels', 'completions', ''])).toEqual(['bash', 'fish', 'zsh']);
  });
});
