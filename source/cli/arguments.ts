import {CommanderError} from 'commander';
import {buildProgram, type ParsedArguments, readArguments} from '../config/command-line.js';
import {safeLines} from '../text/safe-text.js';
import {mainHelp} from './help.js';

/** Parses the process's argv; returns a number when the program should exit at once with that status. */
export function parseArguments(argv: string[]): ParsedArguments | number {
  const program = buildProgram()
    .configureHelp({formatHelp: () => mainHelp()})
    .configureOutput({
      // The message quotes the argument, which may come from a script's variables.
      outputError: (text, write) => write(`tunnels: ${safeLines(text.replace(/^error: /, ''))}`),
    });
  try {
    return readArguments(program, argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      return 255;
    }
    throw error;
  }
}
