/**
 * Opens a URL in the reader's browser for `galley dev --open`: the command in
 * BROWSER when set (as create-react-app, Vite and git's web--browse honour it;
 * "none" opens nothing), else the system's opener. Never waits for the browser.
 */
import { spawn } from 'node:child_process';

function opener(url: string): [string, string[]] | undefined {
  const chosen = process.env.BROWSER?.trim();
  if (chosen) return chosen.toLowerCase() === 'none' ? undefined : [chosen, [url]];
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  return ['xdg-open', [url]];
}

/** Resolves to undefined when the opener started, or to why it could not. */
export function openBrowser(url: string): Promise<string | undefined> {
  const command = opener(url);
  if (!command) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const child = spawn(command[0], command[1], { stdio: 'ignore', detached: true });
    child.once('error', (error) => resolve(`${command[0]}: ${error.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
