import { ConfigError } from "../lib/errors.ts";
import { formatDay, parseBatchDate } from "./calendar.ts";
import { CustomerPopulation, round } from "./customers.ts";
import { breathe } from "./options.ts";
import type { Scale } from "./scale.ts";

/**
 * The planted churn truth per customer as of a batch date: what the platform's churn model is
 * measured against. One entry per customer who has signed up by the date, in customer order,
 * including customers who churned before it (for them `churned_within_horizon` is false; filter on
 * `churn_date` to keep the customers active on the date).
 */
export interface ChurnTruth {
  customer_id: string;
  /** Planted probability (0..1) of churning within 30 days while active (see PROPENSITY_HORIZON_DAYS). */
  churn_propensity: number;
  /** First day without purchases (`YYYY-MM-DD`), or null if the customer never churns. */
  churn_date: string | null;
  /** True when the customer is active on the date and churns within the next `horizonDays` days. */
  churned_within_horizon: boolean;
}

export interface ChurnTruthOptions {
  seed: number;
  date: string;
  scale: Scale;
  horizonDays: number;
}

/** Truth entries one by one; see {@link ChurnTruth}. */
export async function* churnTruth(options: ChurnTruthOptions): AsyncGenerator<ChurnTruth> {
  const { horizonDays } = options;
  if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3650) {
    throw new ConfigError(
      `horizonDays ${JSON.stringify(horizonDays)} is not valid: expected a whole number of days from 1 to 3650`,
    );
  }
  const day = parseBatchDate(options.date);
  const population = new CustomerPopulation(options.seed, options.scale);
  for (let index = 0; index < population.size; index++) {
    if (population.presence(index, day) === "not-yet") continue;
    const customer = population.customer(index);
    const churnDay = customer.churnDay;
    yield {
      customer_id: customer.customerId,
      churn_propensity: round(customer.churnPropensity, 6),
      churn_date: churnDay === null ? null : formatDay(churnDay),
      churned_within_horizon: churnDay !== null && churnDay > day && churnDay <= day + horizonDays,
    };
    if (index % 5000 === 4999) await breathe();
  }
}
