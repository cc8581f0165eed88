// The local cluster's add-ons, typed and validated with kubernetes-models instead of hand-written
// YAML: CoreDNS (Service DNS at 10.96.0.10, the kubelet's clusterDNS), and storage for the
// in-cluster Postgres (a default StorageClass with pre-created hostPath volumes, since no image
// of a dynamic provisioner can be pulled here). Printed as one v1 List for `kubectl apply -f -`:
//   npx tsx scripts/local-cluster/addons.ts --coredns-image todo-local/coredns:v1.12.4 --volume-dir DIR
import { parseArgs } from "node:util";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

export const CLUSTER_DNS_IP = "10.96.0.10";
export const STORAGE_CLASS = "standard";

export interface AddonOptions {
  coreDnsImage: string;
  /** Host directory under which each volume gets a sub-directory. */
  volumeDir: string;
  volumeCount: number;
  volumeSize: string;
}

interface Validatable {
  validate(): void;
  toJSON(): unknown;
}

const coreDnsLabels = { "k8s-app": "kube-dns", "app.kubernetes.io/name": "coredns" };

// Forwarding goes to the node's resolver; the cluster has no outside network, so it only matters
// for names the machine itself resolves.
const COREFILE = `.:53 {
    errors
    health
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
}
`;

export function coreDns(image: string): Validatable[] {
  const meta = { name: "coredns", namespace: "kube-system", labels: coreDnsLabels };
  return [
    new ServiceAccount({ metadata: meta }),
    new ClusterRole({
      metadata: { name: "system:coredns" },
      rules: [
        { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    }),
    new ClusterRoleBinding({
      metadata: { name: "system:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }],
    }),
    new ConfigMap({ metadata: meta, data: { Corefile: COREFILE } }),
    new Deployment({
      metadata: meta,
      spec: {
        replicas: 1,
        selector: { matchLabels: coreDnsLabels },
        template: {
          metadata: { labels: coreDnsLabels },
          spec: {
            serviceAccountName: "coredns",
            dnsPolicy: "Default",
            priorityClassName: "system-cluster-critical",
            containers: [
              {
                name: "coredns",
                image,
                imagePullPolicy: "Never",
                args: ["-conf", "/etc/coredns/Corefile"],
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                ],
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: "/health", port: 8080 }, initialDelaySeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
              },
            ],
            volumes: [{ name: "config", configMap: { name: "coredns" } }],
          },
        },
      },
    }),
    new Service({
      metadata: { name: "kube-dns", namespace: "kube-system", labels: coreDnsLabels },
      spec: {
        selector: coreDnsLabels,
        clusterIP: CLUSTER_DNS_IP,
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        ],
      },
    }),
  ];
}

export function storage(volumeDir: string, count: number, size: string): Validatable[] {
  const volumes: Validatable[] = [];
  for (let index = 0; index < count; index++) {
    volumes.push(
      new PersistentVolume({
        metadata: { name: `todo-local-pv-${index}`, labels: { "app.kubernetes.io/part-of": "todo-local-cluster" } },
        spec: {
          storageClassName: STORAGE_CLASS,
          capacity: { storage: size },
          accessModes: ["ReadWriteOnce"],
          persistentVolumeReclaimPolicy: "Retain",
          hostPath: { path: `${volumeDir}/pv-${index}`, type: "DirectoryOrCreate" },
        },
      }),
    );
  }
  return [
    new StorageClass({
      metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "kubernetes.io/no-provisioner",
      volumeBindingMode: "WaitForFirstConsumer",
      reclaimPolicy: "Retain",
    }),
    ...volumes,
  ];
}

export function clusterAddons(options: AddonOptions): { apiVersion: "v1"; kind: "List"; items: unknown[] } {
  const objects = [
    ...coreDns(options.coreDnsImage),
    ...storage(options.volumeDir, options.volumeCount, options.volumeSize),
  ];
  for (const object of objects) object.validate();
  return { apiVersion: "v1", kind: "List", items: objects.map((object) => object.toJSON()) };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      "coredns-image": { type: "string" },
      "volume-dir": { type: "string" },
      volumes: { type: "string", default: "4" },
      "volume-size": { type: "string", default: "10Gi" },
    },
  });
  if (!values["coredns-image"] || !values["volume-dir"]) {
    console.error("usage: addons.ts --coredns-image IMAGE --volume-dir DIR [--volumes N] [--volume-size 10Gi]");
    process.exit(2);
  }
  const list = clusterAddons({
    coreDnsImage: values["coredns-image"],
    volumeDir: values["volume-dir"],
    volumeCount: Number(values.volumes),
    volumeSize: values["volume-size"],
  });
  process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
}
