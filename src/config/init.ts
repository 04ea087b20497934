import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RULES_FILE_NAME, SERVERS_FILE_NAME } from './discover.ts';
import { RULES_TEMPLATE, SERVERS_TEMPLATE, templateText } from './templates.ts';

export interface InitOptions {
  /** Usually `userConfigDir(home)`; created when missing. */
  dir: string;
  /** Replace existing files. Without it an existing file is kept, which is not a failure (SPEC §2). */
  force: boolean;
}

export interface InitOutcome {
  file: string;
  action: 'written' | 'kept' | 'overwritten';
}

/** Writes the template servers and rules files. Throws only on real I/O failures (e.g. permissions). */
export async function initConfigDir({ dir, force }: InitOptions): Promise<InitOutcome[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, object][] = [
    [SERVERS_FILE_NAME, SERVERS_TEMPLATE],
    [RULES_FILE_NAME, RULES_TEMPLATE],
  ];
  const outcomes: InitOutcome[] = [];
  for (const [name, template] of files) {
    const file = join(dir, name);
    outcomes.push({ file, action: await writeTemplate(file, templateText(template), force) });
  }
  return outcomes;
}

async function writeTemplate(file: string, text: string, force: boolean): Promise<InitOutcome['action']> {
  try {
    // `wx` fails if the file exists, so there is no window between checking and writing.
    await writeFile(file, text, { flag: 'wx' });
    return 'written';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (!force) return 'kept';
  await writeFile(file, text);
  return 'overwritten';
}
