// The lint rule that keeps the layers of DESIGN.md §2 apart must actually fire.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const fatal = result?.messages.find((m) => m.fatal === true);
  if (fatal !== undefined) throw new Error(`${filePath} could not be linted: ${fatal.message}`);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import directions', () => {
  it.each([
    ['src/shared/brand.ts', "import '../web/main';\n"],
    ['src/shared/brand.ts', "import '../node/server/app';\n"],
    ['src/shared/brand.ts', "import '../client/x';\n"],
    ['src/shared/brand.ts', "import 'node:fs';\n"],
    ['src/client/index.ts', "import '../web/main';\n"],
    ['src/client/index.ts', "import '../node/server/app';\n"],
    ['src/client/index.ts', "import 'node:fs';\n"],
    ['src/web/main.ts', "import '../node/server/app';\n"],
    ['src/node/server/app.ts', "import '../../web/main';\n"],
  ])('%s may not do %s', async (file, code) => {
    expect(await importErrors(file, code)).toHaveLength(1);
  });

  it.each([
    ['src/web/main.ts', "import '../shared/brand';\n"],
    ['src/client/index.ts', "import '../shared/brand';\n"],
    ['src/node/server/app.ts', "import '../../shared/brand';\n"],
    ['src/shared/brand.ts', "import './protocol/x';\n"],
  ])('%s may do %s', async (file, code) => {
    expect(await importErrors(file, code)).toEqual([]);
  });
});
