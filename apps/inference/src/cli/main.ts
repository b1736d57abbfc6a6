import { accompany, ACCOMPANY_USAGE, describeCliError } from './accompany.ts';

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'accompany') await accompany(rest);
  else {
    process.stderr.write(`${command ? `unknown command "${command}"\n` : ''}${ACCOMPANY_USAGE}\n`);
    process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`bandmate: ${describeCliError(err)}\n`);
  process.exitCode = 1;
}
