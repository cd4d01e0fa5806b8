import { IConstruct } from 'constructs';
import { sameLabels } from './labels';
import { IObjectStorage } from '../wiring/object-storage';

/** A writer of series and blocks identified by its external labels (a Prometheus, a ruler). */
export interface LabelledSource extends IConstruct {
  readonly externalLabels: { [name: string]: string };
  readonly objectStorage?: IObjectStorage;
}

/**
 * Two sources with one label set collide anywhere in the app (a querier may see both), unless each
 * uploads to a bucket of its own: then their blocks cannot overlap, e.g. the default ruler of two
 * clusters with their own buckets.
 */
export function collides(a: LabelledSource, b: LabelledSource): boolean {
  if (a === b || !sameLabels(a.externalLabels, b.externalLabels)) return false;
  return !(a.objectStorage && b.objectStorage && a.objectStorage.bucketId !== b.objectStorage.bucketId);
}
