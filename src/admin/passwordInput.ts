/**
 * Where `vospace user passwd` reads the password: prompted twice without echo
 * on a terminal, or the first line of stdin with --password-stdin (for
 * scripts). Never from the command line, where `ps` and shell history show it.
 */
import readline from 'node:readline';
import { Writable } from 'node:stream';

/** Asks on stderr and reads a line from the terminal, echoing nothing. */
function askHidden(question: string): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      reject(new Error('cancelled; nothing was changed'));
    });
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

export async function promptPassword(): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('stdin is not a terminal: give --password-stdin to read the password from it');
  const first = await askHidden('New password: ');
  const again = await askHidden('Again: ');
  if (first !== again) throw new Error('the two passwords differ; nothing was changed');
  return first;
}

/** The first line of stdin, without its line end. */
export async function passwordFromStdin(): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new Error('no password on stdin');
}
