/**
 * scripts/tools.sh installs the versions the library deploys (DEFAULT_IMAGES), and the binaries the tests
 * find are those versions: a proof by a different Prometheus would prove nothing about the pinned one.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { DEFAULT_IMAGES } from '../../src';
import { REPO_ROOT, Tool, hasTool, toolVersion } from '../harness/tools';

const script = readFileSync(join(REPO_ROOT, 'scripts', 'tools.sh'), 'utf8');
const pin = (name: string): string | undefined => new RegExp(`^${name}=(\\S+)$`, 'm').exec(script)?.[1];
const tag = (image: string): string => image.split(':')[1].replace(/^v/, '');

test('tools.sh pins the image versions', () => {
  expect({ prometheus: pin('PROMETHEUS_VERSION'), alertmanager: pin('ALERTMANAGER_VERSION') }).toEqual({
    prometheus: tag(DEFAULT_IMAGES.prometheus),
    alertmanager: tag(DEFAULT_IMAGES.alertmanager),
  });
});

const TOOLS: Array<[Tool, string]> = [
  ['promtool', DEFAULT_IMAGES.prometheus],
  ['prometheus', DEFAULT_IMAGES.prometheus],
  ['amtool', DEFAULT_IMAGES.alertmanager],
  ['alertmanager', DEFAULT_IMAGES.alertmanager],
];
test.each(TOOLS)('the %s the tests run is the pinned version', (tool, image) => {
  if (!hasTool(tool) && process.env.CI !== 'true') return; // the tests that need it skip and say so
  expect(toolVersion(tool)).toBe(tag(image));
});
