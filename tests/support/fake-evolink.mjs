// The fake EvoLink server (the evolink-mock binary) as a process of its own, for the real-app
// tests and the launch benchmark alike.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';

/**
 * Starts `binary` on a free loopback port with `args` (its flags, crates/evolink-mock/README.md),
 * its error output appended to `logPath`, and waits for the address it prints first.
 * Returns { url, stop }.
 */
export async function spawnFakeEvoLink(binary, args, logPath) {
  const child = spawn(binary, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', openSync(logPath, 'a')] });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('evolink-mock did not start within 10 s')), 10000);
    child.once('exit', (code) => reject(new Error(`evolink-mock exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(text.split('\n')[0].trim());
      }
    });
  });
  return {
    url,
    stop: () => {
      child.stdout.destroy();
      child.kill('SIGKILL');
    },
  };
}
