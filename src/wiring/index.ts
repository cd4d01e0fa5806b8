export { ScrapeEndpoint, IScrapeTarget, IStoreApi, IQueryApi, IAlertmanagerApi } from './apis';
export { INetworkPeer, IConnectable, NetworkPeer, ClusterDns, Connections, ConnectionsProps, ExternalTrafficPolicy, ExposureOptions } from './connections';
export {
  ObjectStorageBinding,
  ObjectStorageEgress,
  IObjectStorage,
  S3BucketLookup,
  S3Credentials,
  S3ObjectStorageProps,
  S3ObjectStorage,
  GcsObjectStorageProps,
  GcsObjectStorage,
  AzureObjectStorageProps,
  AzureObjectStorage,
  ExistingObjectStorageProps,
  ObjectStorage,
} from './object-storage';
export { GrpcClientTlsOptions, GrpcClientTls, StaticEndpointOptions, DnsSrvEndpointOptions, StoreEndpoint } from './store-endpoint';
export { GrpcServerTlsOptions, GrpcServerTls } from './tls';
export { IRemoteWriteApi, RemoteWriteOptions, RemoteWriteUrlOptions, RemoteWrite } from './remote-write';
export { AlertmanagerEndpointOptions, AlertmanagerEndpoint } from './alertmanager-endpoint';
export { IngressOptions } from './ingress';
