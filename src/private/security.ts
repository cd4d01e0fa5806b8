import { k8s } from 'cdk8s-plus-27';

/** Numeric users per image: images with a non-numeric USER cannot be verified by runAsNonRoot. */
export const USERS = {
  /** Prometheus, Alertmanager and Thanos run as `nobody`. */
  nobody: 65534,
  /** The official Grafana image's user. */
  grafana: 472,
  /** MinIO's image has no USER (root); any non-root user with fsGroup works. */
  minio: 1000,
  /** SeaweedFS' image runs as `seaweed` (UID 1000) since 4.x (seaweedfs/seaweedfs#7399, #8819). */
  seaweedfs: 1000,
} as const;

const RUNTIME_DEFAULT = { type: 'RuntimeDefault' };

/** Pod-level context that passes Pod Security "restricted", with volumes writable by `user`. */
export function podSecurityContext(user: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    fsGroup: user,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: RUNTIME_DEFAULT,
  };
}

/** Container-level context for Pod Security "restricted" with a read-only root filesystem. */
export function containerSecurityContext(user: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: RUNTIME_DEFAULT,
  };
}
