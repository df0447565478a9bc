import { ApiError } from "@sumo/http";
import { perRegistry } from "@sumo/metrics";
import { Gauge, type Registry } from "prom-client";

export interface LogFollowLimits {
  /** Follows one tenant may hold open at once on this replica. */
  maxPerTenant: number;
  /** Follows this replica holds open at once, for all tenants together. */
  maxPerReplica: number;
}

/** What a follow holds until its stream ends; releasing twice is harmless. */
export type LogFollowSlot = { release(): void };

const followGauge = perRegistry(
  (registry: Registry) =>
    new Gauge({
      name: "sumo_api_log_follows",
      help: "Log streams (`follow=true`) this api replica holds open.",
      registers: [registry],
    }),
);

/**
 * Log follows held open, per tenant and in all. Each follow holds a connection, a Kubernetes
 * log stream and a database poll for as long as it lasts: one tenant must not be able to take
 * them all. `take` refuses a tenant at its own limit with 429 (its own follows ending frees
 * room), and any tenant once the replica is at its limit with 503 (another replica may have
 * room).
 */
export class LogFollows {
  readonly #limits: LogFollowLimits;
  readonly #byTenant = new Map<string, number>();
  readonly #gauge: Gauge;
  #total = 0;

  constructor(limits: LogFollowLimits, registry: Registry) {
    this.#limits = limits;
    this.#gauge = followGauge(registry);
  }

  /** Follows held open now: in all, or by one tenant. */
  held(tenantId?: string): number {
    return tenantId === undefined ? this.#total : (this.#byTenant.get(tenantId) ?? 0);
  }

  /** Tenants with at least one follow open (nobody else is remembered). */
  get trackedTenants(): number {
    return this.#byTenant.size;
  }

  /** A slot for one of the tenant's follows, or an ApiError when it may not have one. */
  take(tenantId: string): LogFollowSlot {
    const mine = this.held(tenantId);
    if (mine >= this.#limits.maxPerTenant) {
      throw new ApiError(
        "too_many_log_follows",
        `This API key's tenant already follows ${mine} logs at once, its limit; close one or read without follow`,
        { headers: { "Retry-After": "5" } },
      );
    }
    if (this.#total >= this.#limits.maxPerReplica) {
      throw new ApiError(
        "service_unavailable",
        "The api follows as many logs as it can; try again shortly",
        {
          headers: { "Retry-After": "5" },
        },
      );
    }
    this.#byTenant.set(tenantId, mine + 1);
    this.#total += 1;
    this.#gauge.set(this.#total);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = this.held(tenantId) - 1;
        if (left > 0) this.#byTenant.set(tenantId, left);
        else this.#byTenant.delete(tenantId);
        this.#total -= 1;
        this.#gauge.set(this.#total);
      },
    };
  }
}
