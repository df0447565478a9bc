import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, errorResponses, type HttpEnv } from "@sumo/http";
import type { Logger } from "pino";
import { ADMIN_AUTH_ERRORS } from "../admin-auth.ts";
import type { ClusterView } from "../cluster-view.ts";

const resources = z.object({ cpu: z.number(), memory_gi: z.number(), pods: z.number() });

const nodeSchema = z
  .object({
    name: z.string(),
    status: z.enum(["Ready", "NotReady", "Unknown"]),
    unschedulable: z.boolean(),
    capacity: resources,
    allocatable: resources,
    allocated: z
      .object({ cpu: z.number(), memory_gi: z.number() })
      .openapi({ description: "Sum of the requests of the node's pods that have not ended." }),
    pod_count: z.number().int(),
    created_at: z.iso.datetime().nullable(),
    karpenter: z.object({
      nodepool: z.string().nullable(),
      capacity_type: z.string().nullable(),
      instance_type: z.string().nullable(),
      zone: z.string().nullable(),
    }),
  })
  .openapi("Node");

const listNodesRoute = createRoute({
  method: "get",
  path: "/admin/nodes",
  operationId: "listNodes",
  tags: ["Nodes"],
  summary: "List the cluster's nodes with their load",
  security: [{ adminToken: [] }],
  responses: {
    200: {
      description: "Every node.",
      content: { "application/json": { schema: z.object({ nodes: z.array(nodeSchema) }) } },
    },
    ...errorResponses(...ADMIN_AUTH_ERRORS, "service_unavailable"),
  },
});

/** `/admin/nodes`: what Karpenter runs and how full it is. */
export function nodesRoutes(deps: { cluster: ClusterView | undefined; logger: Logger }) {
  return new OpenAPIHono<HttpEnv>().openapi(listNodesRoute, async (c) => {
    if (!deps.cluster) throw new ApiError("service_unavailable", "No Kubernetes configuration");
    try {
      return c.json({ nodes: await deps.cluster.listNodes() }, 200);
    } catch (error) {
      deps.logger.warn({ err: error }, "listing nodes failed");
      throw new ApiError("service_unavailable", "Kubernetes did not answer", { cause: error });
    }
  });
}
