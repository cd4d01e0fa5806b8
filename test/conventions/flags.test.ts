import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

const FILE = join(__dirname, '..', '..', 'src', 'private', 'flags.generated.ts');

test('src/private/flags.generated.ts is what scripts/generate-flags.js makes of the fixtures (npm run flags)', () => {
  const committed = readFileSync(FILE, 'utf8');
  try {
    execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'generate-flags.js')]);
    expect(readFileSync(FILE, 'utf8')).toBe(committed);
  } finally {
    require('fs').writeFileSync(FILE, committed);
  }
});
