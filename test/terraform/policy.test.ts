// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are terraform expressions, not JS templates.
/**
 * Policy checks over the parsed terraform/ configuration, offline: what gets created from the topology,
 * dead letters everywhere, least privilege, nothing public, the buckets' settings, the monitoring.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { topologyProblems } from "../../lib/topology.ts";
import {
  type Body,
  block,
  blocks,
  evaluateCollection,
  evaluateConditionalMerge,
  loadConfiguration,
  loadTopologyJson,
  references,
  repoRoot,
  resource,
  strings,
  type TerraformModule,
  terraformDir,
} from "./config.ts";

const topology = loadTopologyJson();
let modules: Map<string, TerraformModule>;
let root: TerraformModule;
let fn: TerraformModule;

beforeAll(async () => {
  modules = await loadConfiguration();
  const rootModule = modules.get(".");
  const functionModule = modules.get("modules/function");
  if (!rootModule || !functionModule) throw new Error("terraform/ and terraform/modules/function must exist");
  root = rootModule;
  fn = functionModule;
});

const names = (collection: Map<string, unknown>) => [...collection.keys()].sort();
const sorted = (values: Iterable<string>) => [...values].sort();

/** Every resource body of `type` in every module, with where it is declared. */
function allResources(type: string): Array<{ module: string; name: string; body: Body }> {
  return [...modules].flatMap(([module, m]) =>
    Object.entries(m.resources[type] ?? {}).map(([name, body]) => ({ module, name, body })),
  );
}

function forEachOf(body: Body): string {
  const expression = body.for_each;
  if (typeof expression !== "string") throw new Error(`no for_each in ${JSON.stringify(body).slice(0, 120)}`);
  return expression;
}

describe("the topology is deployed, and nothing else", () => {
  it("topology.json itself is consistent (the input every check below relies on)", () => {
    expect(topologyProblems(topology)).toEqual([]);
  });

  it("creates every topic of topology.json as <prefix>-<name>, through the one for_each over the topology", () => {
    expect(allResources("google_pubsub_topic").map((r) => `${r.module}:${r.name}`)).toEqual([".:this"]);
    const topic = resource(root, "google_pubsub_topic", "this");
    expect(names(evaluateCollection(root, forEachOf(topic), topology))).toEqual(
      sorted(topology.topics.map((t) => t.name)),
    );
    expect(topic.name).toBe("${var.prefix}-${each.key}");
  });

  it("creates every subscription of topology.json as <prefix>-<name>: push ones and keep ones, no others", () => {
    expect(allResources("google_pubsub_subscription").map((r) => `${r.module}:${r.name}`)).toEqual([
      ".:keep",
      ".:push",
    ]);
    const push = evaluateCollection(
      root,
      forEachOf(resource(root, "google_pubsub_subscription", "push")),
      topology,
    );
    const keep = evaluateCollection(
      root,
      forEachOf(resource(root, "google_pubsub_subscription", "keep")),
      topology,
    );
    expect(names(push)).toEqual(
      sorted(topology.subscriptions.filter((s) => s.kind === "push").map((s) => s.name)),
    );
    expect(names(keep)).toEqual(
      sorted(topology.subscriptions.filter((s) => s.kind === "keep").map((s) => s.name)),
    );
    expect([...names(push), ...names(keep)].sort()).toEqual(
      sorted(topology.subscriptions.map((s) => s.name)),
    );
    for (const name of ["push", "keep"]) {
      expect(resource(root, "google_pubsub_subscription", name).name).toBe("${var.prefix}-${each.key}");
    }
  });

  it("deploys every function of topology.json from the one source archive, on nodejs24", () => {
    const call = root.modules.function;
    expect(call?.source).toBe("./modules/function");
    expect(names(evaluateCollection(root, forEachOf(call ?? {}), topology))).toEqual(
      sorted(topology.functions.map((f) => f.name)),
    );
    expect(call?.name).toBe("${var.prefix}-${each.key}");
    expect(call?.entry_point).toBe("${each.key}");
    expect(call?.source_archive).toEqual({
      bucket: "${google_storage_bucket.sources.name}",
      object: "${google_storage_bucket_object.functions_source.output_name}",
    });
    const archive = resource(root, "google_storage_bucket_object", "functions_source");
    expect(archive.name).toContain("filesha256(local.archive_path)");
    expect(String(root.variables.functions?.type)).toMatch(/runtime\s*=\s*optional\(string, "nodejs24"\)/);
    expect(call?.runtime).toBe("${var.functions.runtime}");
    const fnResource = resource(fn, "google_cloudfunctions2_function", "this");
    expect(block(fnResource, "build_config").runtime).toBe("${var.runtime}");
    expect(block(fnResource, "build_config").entry_point).toBe("${var.entry_point}");
    expect(fn.variables.runtime?.default).toBe("nodejs24");
    expect(allResources("google_cloudfunctions2_function").map((r) => r.module)).toEqual([
      "modules/function",
    ]);
  });

  it("every hop function is invoked by its push subscription, never by an Eventarc trigger", () => {
    expect(allResources("google_eventarc_trigger")).toEqual([]);
    const fnResource = resource(fn, "google_cloudfunctions2_function", "this");
    expect(fnResource.event_trigger).toBeUndefined();
    const push = resource(root, "google_pubsub_subscription", "push");
    const config = block(push, "push_config");
    expect(config.push_endpoint).toBe("${module.function[each.value.function].uri}");
    const oidc = block(config, "oidc_token");
    expect(oidc.service_account_email).toBe("${google_service_account.push_invoker.email}");
    expect(oidc.audience).toBe("${module.function[each.value.function].uri}");
    const pushTargets = topology.subscriptions.filter((s) => s.kind === "push").map((s) => s.function);
    const triggered = topology.functions.filter((f) => f.trigger_subscription).map((f) => f.name);
    expect(sorted(pushTargets as string[])).toEqual(sorted(triggered));
  });
});

describe("dead letters", () => {
  it("every push subscription has a retry policy and a dead-letter policy with its max delivery attempts", () => {
    const push = resource(root, "google_pubsub_subscription", "push");
    const deadLetter = block(push, "dead_letter_policy");
    expect(deadLetter.dead_letter_topic).toBe("${google_pubsub_topic.this[each.value.dead_letter_topic].id}");
    expect(deadLetter.max_delivery_attempts).toBe("${each.value.max_delivery_attempts}");
    const retry = block(push, "retry_policy");
    expect(retry.minimum_backoff).toBe("${each.value.retry.minimum_backoff_seconds}s");
    expect(retry.maximum_backoff).toBe("${each.value.retry.maximum_backoff_seconds}s");
    expect(push.ack_deadline_seconds).toBe("${each.value.ack_deadline_seconds}");
    for (const [name, s] of evaluateCollection(root, forEachOf(push), topology)) {
      expect(s.dead_letter_topic, `${name} has no dead-letter topic`).toBeTypeOf("string");
      expect(s.max_delivery_attempts, `${name} has no max_delivery_attempts`).toBeTypeOf("number");
    }
  });

  it("every dead-letter topic has a keep subscription, so nothing that lands there is dropped", () => {
    const deadLetterTopics = evaluateCollection(root, "${local.dead_letter_topics}", topology);
    const keep = evaluateCollection(
      root,
      forEachOf(resource(root, "google_pubsub_subscription", "keep")),
      topology,
    );
    const kept = new Set([...keep.values()].map((s) => s.topic));
    expect(deadLetterTopics.size).toBeGreaterThan(0);
    for (const topic of deadLetterTopics.keys())
      expect(kept.has(topic), `${topic} has no keep subscription`).toBe(true);
  });

  it("keep subscriptions are pull subscriptions that retain messages and never expire", () => {
    const keep = resource(root, "google_pubsub_subscription", "keep");
    expect(keep.push_config).toBeUndefined();
    expect(keep.dead_letter_policy).toBeUndefined();
    expect(keep.message_retention_duration).toBe("${local.topology.message_retention_seconds}s");
    for (const name of ["keep", "push"]) {
      expect(block(resource(root, "google_pubsub_subscription", name), "expiration_policy").ttl).toBe("");
    }
  });

  it("the Pub/Sub service agent may publish to every dead-letter topic and acknowledge on every source subscription", () => {
    const agent = root.locals.pubsub_service_agent;
    expect(agent).toBe("serviceAccount:${google_project_service_identity.pubsub.email}");
    expect(resource(root, "google_project_service_identity", "pubsub").service).toBe("pubsub.googleapis.com");

    const publisher = resource(root, "google_pubsub_topic_iam_member", "dead_letter_publisher");
    expect(publisher.role).toBe("roles/pubsub.publisher");
    expect(publisher.member).toBe("${local.pubsub_service_agent}");
    expect(publisher.topic).toBe("${google_pubsub_topic.this[each.key].id}");
    expect(names(evaluateCollection(root, forEachOf(publisher), topology))).toEqual(
      sorted(topology.topics.filter((t) => t.dead_letter).map((t) => t.name)),
    );

    const subscriber = resource(root, "google_pubsub_subscription_iam_member", "dead_letter_subscriber");
    expect(subscriber.role).toBe("roles/pubsub.subscriber");
    expect(subscriber.member).toBe("${local.pubsub_service_agent}");
    expect(subscriber.subscription).toBe("${google_pubsub_subscription.push[each.key].id}");
    expect(names(evaluateCollection(root, forEachOf(subscriber), topology))).toEqual(
      sorted(topology.subscriptions.filter((s) => s.dead_letter_topic).map((s) => s.name)),
    );
  });

  it("the service agent can mint the push identity's OIDC tokens where old projects need it, on that account only", () => {
    const grant = resource(root, "google_service_account_iam_member", "pubsub_agent_token_creator");
    expect(grant.role).toBe("roles/iam.serviceAccountTokenCreator");
    expect(grant.member).toBe("${local.pubsub_service_agent}");
    expect(grant.service_account_id).toBe("${google_service_account.push_invoker.name}");
    expect(grant.count).toBe("${var.pubsub_agent_token_creator ? 1 : 0}");
    const projectGrants = allResources("google_project_iam_member").filter(
      (r) => r.body.member === "${local.pubsub_service_agent}",
    );
    expect(projectGrants).toEqual([]);
  });
});

describe("identities and least privilege", () => {
  it("nothing anywhere grants or mentions allUsers or allAuthenticatedUsers", () => {
    const offending: string[] = [];
    for (const [path, m] of modules) {
      const granted = {
        resources: m.resources,
        data: m.data,
        modules: m.modules,
        locals: m.locals,
        outputs: m.outputs,
        defaults: Object.values(m.variables).map((v) => v.default),
      };
      for (const text of strings(granted)) {
        if (/allUsers|allAuthenticatedUsers/.test(text)) offending.push(`${path}: ${text}`);
      }
    }
    expect(offending).toEqual([]);
    const dashboards = readdirSync(join(terraformDir, "dashboards")).map((f) =>
      readFileSync(join(terraformDir, "dashboards", f), "utf8"),
    );
    expect(dashboards.join("\n")).not.toMatch(/allUsers|allAuthenticatedUsers/);
  });

  it("every function runs as its own service account, built by a dedicated one", () => {
    const account = resource(fn, "google_service_account", "this");
    expect(account.account_id).toBe("${var.name}");
    const fnResource = resource(fn, "google_cloudfunctions2_function", "this");
    expect(block(fnResource, "service_config").service_account_email).toBe(
      "${google_service_account.this.email}",
    );
    expect(block(fnResource, "build_config").service_account).toBe("${var.build.service_account_id}");
    expect(root.modules.function?.build).toMatchObject({
      service_account_id: "${google_service_account.build.id}",
    });
    // One module instance per topology function, so one account per function.
    expect(root.modules.function?.for_each).toBe("${local.functions}");
  });

  it("no workload uses the Compute Engine or App Engine default service account", () => {
    const everything = [...modules.values()].flatMap((m) =>
      strings({ r: m.resources, l: m.locals, mo: m.modules, v: m.variables }),
    );
    expect(
      everything.filter((s) =>
        /-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount\.com/.test(s),
      ),
    ).toEqual([]);
    const identities: Array<[string, unknown]> = [
      [
        "scheduler",
        block(block(resource(root, "google_cloud_scheduler_job", "generate"), "http_target"), "oidc_token")
          .service_account_email,
      ],
      ["workflow", resource(root, "google_workflows_workflow", "pipeline").service_account],
      ["dataform", resource(root, "google_dataform_repository", "this").service_account],
      [
        "push",
        block(block(resource(root, "google_pubsub_subscription", "push"), "push_config"), "oidc_token")
          .service_account_email,
      ],
    ];
    for (const [what, identity] of identities) {
      expect(String(identity), what).toMatch(/^\$\{google_service_account\.\w+\.(email|id)\}$/);
    }
  });

  it("function identities hold only the project roles their code needs, everything else resource-scoped", () => {
    const access = root.locals.function_access;
    expect(access).toBeTypeOf("object");
    const table = access as Record<string, Record<string, unknown>>;
    expect(sorted(Object.keys(table))).toEqual(sorted(topology.functions.map((f) => f.name)));
    const allowedProjectRoles = new Set([
      "roles/datastore.user",
      "roles/aiplatform.user",
      "roles/aiplatform.viewer",
      "roles/bigquery.jobUser",
    ]);
    for (const [name, row] of Object.entries(table)) {
      for (const role of row.project_roles as string[]) {
        expect(allowedProjectRoles.has(role), `${name} gets ${role} on the project`).toBe(true);
      }
    }
    expect(root.modules.function?.project_roles).toBe("${local.function_access[each.key].project_roles}");
  });

  it("no basic role (owner, editor, viewer) and no admin role is granted to anyone", () => {
    // Roles appear literally in IAM resources, in toset([...]) for_each lists and in the access table.
    const roles = [...modules.values()].flatMap((m) =>
      strings({
        resources: m.resources,
        locals: m.locals,
        modules: m.modules,
        defaults: Object.values(m.variables).map((v) => v.default),
      }).flatMap((text) => text.match(/roles\/[A-Za-z0-9_.]+/g) ?? []),
    );
    expect(new Set(roles).size).toBeGreaterThan(10);
    expect(roles.filter((role) => /^roles\/(owner|editor|viewer)$|admin/i.test(role))).toEqual([]);
    expect(allResources("google_project_iam_binding")).toEqual([]);
    expect(allResources("google_project_iam_policy")).toEqual([]);
  });

  it("every function may publish only to the topics of the event types it emits", () => {
    const grant = resource(root, "google_pubsub_topic_iam_member", "function_publishes");
    expect(grant.role).toBe("roles/pubsub.publisher");
    expect(grant.member).toBe("${module.function[each.value.function].member}");
    expect(forEachOf(grant)).toContain("f.publishes");
    expect(forEachOf(grant)).toContain("local.topic_by_event_type[type]");
  });

  it("the longest allowed prefix still gives every function a valid service account id", () => {
    const condition = String(block(root.variables.prefix ?? {}, "validation").condition);
    const pattern = /regex\("(.+?)", var\.prefix\)/.exec(condition)?.[1];
    expect(pattern).toBeDefined();
    const prefixRule = new RegExp((pattern ?? "").replace(/\\\\/g, "\\"));
    expect(prefixRule.test("winter-days")).toBe(true);
    for (const bad of ["Winter", "wd", "ends-", "1abc", "abcdefghijklmn"])
      expect(prefixRule.test(bad), bad).toBe(false);
    const longestPrefix = "abcdefghijklm";
    expect(prefixRule.test(longestPrefix)).toBe(true);
    const accountId = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
    for (const f of topology.functions) {
      expect(accountId.test(`${longestPrefix}-${f.name}`), `${longestPrefix}-${f.name}`).toBe(true);
    }
  });
});

/** Who may invoke each function (its invoker keys), for given operators and with or without the workflow. */
function invokersOf(options: { workflow: boolean; operators: string[] }): Record<string, string[]> {
  const evaluated = evaluateConditionalMerge(root, String(root.locals.function_invokers), topology, {
    locals: { workflow_enabled: options.workflow },
    variables: { "operators.members": options.operators },
  });
  return Object.fromEntries([...evaluated].map(([name, keys]) => [name, sorted(keys)]));
}

/** The hop functions workflows/pipeline.workflows.yaml calls: the `names` it resolves URLs for. */
function workflowHopNames(): string[] {
  const workflow = parseYaml(readFileSync(join(repoRoot, "workflows", "pipeline.workflows.yaml"), "utf8"));
  const found: string[][] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if (key === "names" && Array.isArray(child) && child.every((n) => typeof n === "string"))
          found.push(child as string[]);
        visit(child);
      }
    }
  };
  visit(workflow);
  if (found.length !== 1)
    throw new Error(`expected one list of hop names in the workflow, found ${found.length}`);
  return found[0] ?? [];
}

describe("who invokes what", () => {
  const eventHops = topology.functions.filter((f) => f.trigger_subscription).map((f) => f.name);

  it("push invokes the event hops, Cloud Scheduler the generator, the workflow what it calls, the operators dlq-replay", () => {
    expect(root.modules.function?.invokers).toBe("${local.function_invokers[each.key]}");
    const invokers = invokersOf({ workflow: true, operators: ["group:ops@example.com"] });
    const expected: Record<string, string[]> = {
      generate: ["scheduler", "workflow"],
      "dlq-replay": ["operator:group:ops@example.com"],
    };
    for (const hop of eventHops) expected[hop] = ["push", "workflow"];
    expect(invokers).toEqual(expected);
    // Before the workflow exists only its callers' other invokers remain; without operators nobody calls dlq-replay.
    const bare = invokersOf({ workflow: false, operators: [] });
    expect(bare.generate).toEqual(["scheduler"]);
    expect(bare["dlq-replay"]).toEqual([]);
    for (const hop of eventHops) expect(bare[hop]).toEqual(["push"]);
  });

  it("operators are named people, groups or accounts, never the public or a whole domain", () => {
    const condition = String(blocks(root.variables.operators ?? {}, "validation")[0]?.condition);
    const pattern = /regex\("(.+?)", member\)/.exec(condition)?.[1];
    expect(pattern).toBeDefined();
    const member = new RegExp((pattern ?? "").replace(/\\\\/g, "\\"));
    for (const good of [
      "group:data-oncall@example.com",
      "user:ana@example.com",
      "serviceAccount:ops@p.iam.gserviceaccount.com",
    ])
      expect(member.test(good), good).toBe(true);
    for (const bad of [
      "allUsers",
      "allAuthenticatedUsers",
      "domain:example.com",
      "group:",
      "group:oncall",
      "ana@example.com",
    ])
      expect(member.test(bad), bad).toBe(false);
    expect(String(root.variables.operators?.type)).toMatch(/members\s*=\s*optional\(list\(string\), \[\]\)/);
  });

  it("only the operators' functions take traffic from outside the project; the others stay internal", () => {
    expect(root.modules.function?.service).toMatchObject({ ingress: "${local.function_ingress[each.key]}" });
    expect(root.locals.function_ingress).toBe(
      "${{ for name, f in local.functions : name => contains(keys(local.operator_functions), name) ? var.operators.ingress : var.functions.ingress }}",
    );
    expect(names(evaluateCollection(root, "${local.operator_functions}", topology))).toEqual(["dlq-replay"]);
    expect(String(root.variables.functions?.type)).toContain(
      'ingress = optional(string, "ALLOW_INTERNAL_ONLY")',
    );
  });
});

describe("dead-letter replay (dlq-replay)", () => {
  it("is deployed like every function, with its own identity and no project role", () => {
    const access = root.locals.function_access as Record<string, Record<string, unknown>>;
    expect(access["dlq-replay"]).toEqual({
      project_roles: [],
      lake: null,
      mlops: null,
      warehouse: null,
      dataform: null,
      act_as: [],
      dead_letters: "roles/pubsub.subscriber",
    });
    for (const [name, row] of Object.entries(access)) {
      if (name !== "dlq-replay") expect(row.dead_letters, name).toBeNull();
    }
    expect(names(evaluateCollection(root, "${local.functions}", topology))).toContain("dlq-replay");
  });

  it("may lease and acknowledge on every dead-letter keep subscription, and on no other subscription", () => {
    const keep = evaluateCollection(root, "${local.dead_letter_keep_subscriptions}", topology);
    const deadLetterTopics = new Set(topology.topics.filter((t) => t.dead_letter).map((t) => t.name));
    expect(names(keep)).toEqual(
      sorted(
        topology.subscriptions
          .filter((s) => s.kind === "keep" && deadLetterTopics.has(s.topic))
          .map((s) => s.name),
      ),
    );
    expect(names(keep).every((name) => name.endsWith("-dead-letter-keep"))).toBe(true);
    expect(keep.size).toBe(deadLetterTopics.size);
    const grant = resource(root, "google_pubsub_subscription_iam_member", "function_dead_letters");
    expect(grant.subscription).toBe("${google_pubsub_subscription.keep[each.value.subscription].id}");
    expect(grant.role).toBe("${each.value.role}");
    expect(grant.member).toBe("${module.function[each.value.function].member}");
    expect(forEachOf(grant)).toContain("for subscription in keys(local.dead_letter_keep_subscriptions)");
    expect(forEachOf(grant)).toContain("if a.dead_letters != null");
    const functionGrants = allResources("google_pubsub_subscription_iam_member").filter((r) =>
      String(r.body.member).includes("module.function"),
    );
    expect(functionGrants.map((r) => r.name)).toEqual(["function_dead_letters"]);
  });

  it("may publish to the input topic of every hop (the topics of the push subscriptions), and nowhere else", () => {
    const topicByType = evaluateCollection(root, "${local.topic_by_event_type}", topology) as Map<
      string,
      unknown
    >;
    const replay = topology.functions.find((f) => f.name === "dlq-replay");
    const publishesTo = sorted((replay?.publishes ?? []).map((type) => String(topicByType.get(type))));
    const hopInputs = sorted(
      new Set(topology.subscriptions.filter((s) => s.kind === "push").map((s) => s.topic)),
    );
    expect(publishesTo).toEqual(hopInputs);
    // The same rule guards the plan, so a new hop cannot leave its dead letters unreplayable.
    const guard = resource(root, "terraform_data", "topology_guard");
    const conditions = strings(blocks(block(guard, "lifecycle"), "precondition").map((p) => p.condition));
    expect(
      conditions.some(
        (c) => c.includes("a.dead_letters != null") && c.includes("values(local.push_subscriptions)"),
      ),
    ).toBe(true);
  });
});

describe("storage", () => {
  it("every bucket has uniform access and enforced public access prevention", () => {
    const buckets = allResources("google_storage_bucket");
    expect(buckets.map((b) => b.name).sort()).toEqual(["lake", "sources"]);
    for (const { name, body } of buckets) {
      expect(body.uniform_bucket_level_access, name).toBe(true);
      expect(body.public_access_prevention, name).toBe("enforced");
    }
  });

  it("the lake is versioned, moves bronze to Coldline after 90 days and deletes it after 365", () => {
    const lake = resource(root, "google_storage_bucket", "lake");
    expect(lake.name).toBe("${local.lake_bucket}");
    // The functions' default (lib/config.ts) is <project>-<prefix>-lake.
    expect(root.locals.lake_bucket).toBe("${var.project}-${var.prefix}-lake");
    expect(block(lake, "versioning").enabled).toBe(true);
    const rules = blocks(lake, "lifecycle_rule").map((rule) => ({
      action: block(rule, "action"),
      condition: block(rule, "condition"),
    }));
    const coldline = rules.find((r) => r.action.type === "SetStorageClass");
    expect(coldline?.action.storage_class).toBe("COLDLINE");
    expect(coldline?.condition.age).toBe(90);
    const deletion = rules.find((r) => r.action.type === "Delete" && r.condition.age !== undefined);
    expect(deletion?.condition.age).toBe(365);
    // mlops/ (pipeline specs, models, predictions) is not aged out with bronze.
    expect(root.locals.mlops_prefix).toBe("mlops/");
    expect(String(root.locals.bronze_prefixes)).not.toContain("mlops");
  });

  it("function source archives are deleted after 60 days", () => {
    const sources = resource(root, "google_storage_bucket", "sources");
    const rules = blocks(sources, "lifecycle_rule");
    expect(rules.map((rule) => [block(rule, "action").type, block(rule, "condition").age])).toEqual([
      ["Delete", 60],
    ]);
  });

  it("the compiled pipeline spec is uploaded under mlops/pipelines/ once it exists", () => {
    const spec = resource(root, "google_storage_bucket_object", "pipeline_spec");
    expect(spec.count).toBe("${fileexists(local.pipeline_spec_path) ? 1 : 0}");
    expect(spec.bucket).toBe("${google_storage_bucket.lake.name}");
    expect(root.locals.pipeline_spec_name).toBe(
      "${local.mlops_prefix}pipelines/${basename(var.vertex.pipeline_spec)}",
    );
  });
});

describe("orchestration", () => {
  it("Cloud Scheduler starts sales and clickstream daily and startups weekly, with OIDC and a JSON body", () => {
    const job = resource(root, "google_cloud_scheduler_job", "generate");
    expect(job.for_each).toBe("${var.schedules.sources}");
    const type = String(root.variables.schedules?.type);
    expect(type).toMatch(/sales\s*=\s*"0 2 \* \* \*"/);
    expect(type).toMatch(/clickstream\s*=\s*"15 2 \* \* \*"/);
    expect(type).toMatch(/startups\s*=\s*"30 2 \* \* 1"/);
    const target = block(job, "http_target");
    expect(target.uri).toBe('${module.function["generate"].uri}');
    expect(target.body).toBe('${base64encode(jsonencode({ source = each.key, date = "today" }))}');
    expect(block(target, "oidc_token").audience).toBe('${module.function["generate"].uri}');
  });

  it("the backfill workflow gets <HOP>_URL of every function it calls, the generator included, and may invoke them", () => {
    const hops = names(evaluateCollection(root, "${local.workflow_hops}", topology));
    expect(hops).toEqual(sorted(workflowHopNames()));
    expect(hops).toContain("generate");
    expect(hops).not.toContain("dlq-replay");
    const env = String(resource(root, "google_workflows_workflow", "pipeline").user_env_vars);
    expect(env).toContain(
      '{ for name, f in local.workflow_hops : "${upper(replace(name, "-", "_"))}_URL" => module.function[name].uri }',
    );
    const urls = hops.map((name) => `${name.replace(/-/g, "_").toUpperCase()}_URL`);
    expect(urls).toContain("GENERATE_URL");
    expect(urls).toContain("PREDICTIONS_LOAD_URL");
    const invokers = invokersOf({ workflow: true, operators: [] });
    for (const hop of hops) expect(invokers[hop], hop).toContain("workflow");
  });

  it("the backfill workflow is created from workflows/ once the file exists, as its own identity", () => {
    const workflow = resource(root, "google_workflows_workflow", "pipeline");
    expect(workflow.count).toBe("${local.workflow_enabled ? 1 : 0}");
    expect(root.locals.workflow_enabled).toBe("${fileexists(local.workflow_path)}");
    expect(workflow.name).toBe("${var.prefix}-pipeline");
    expect(workflow.service_account).toBe("${google_service_account.workflow.id}");
    expect(String(root.locals.function_invokers)).toContain("google_service_account.workflow.member");
  });
});

describe("monitoring", () => {
  it("has the alert policies an operator needs", () => {
    const policies = root.resources.google_monitoring_alert_policy ?? {};
    const filters = (name: string) => strings(blocks(policies[name] ?? {}, "conditions")).join("\n");
    expect(sorted(Object.keys(policies))).toEqual(
      sorted(["function_errors", "dataform_failed", "vertex_failed", "dead_letters", "oldest_unacked"]),
    );
    expect(filters("dataform_failed")).toContain('jsonPayload.terminalState="FAILED"');
    expect(filters("dead_letters")).toContain("subscription/num_undelivered_messages");
    expect(filters("dead_letters")).toContain("-dead-letter-keep");
    expect(filters("oldest_unacked")).toContain("subscription/oldest_unacked_message_age");
    expect(filters("vertex_failed")).toContain('google_pubsub_topic.this["vertex-failed"]');
    expect(topology.topics.some((t) => t.name === "vertex-failed")).toBe(true);
  });

  it("the dead-letter alert sends the operator to the runbook and the replay function", () => {
    const policy = resource(root, "google_monitoring_alert_policy", "dead_letters");
    const content = String(block(policy, "documentation").content);
    expect(content).toContain("docs/operations/dead-letters.md");
    expect(existsSync(join(repoRoot, "docs", "operations", "dead-letters.md"))).toBe(true);
    expect(content).toContain("${var.prefix}-dlq-replay");
    expect(content).toContain('"dry_run": true');
  });

  it("defines log-based metrics for batch duration, rows per layer and hop failures from the structured logs", () => {
    const metrics = root.resources.google_logging_metric ?? {};
    expect(metrics.batch_duration?.value_extractor).toBe("EXTRACT(jsonPayload.duration_ms)");
    expect(metrics.rows?.value_extractor).toBe("EXTRACT(jsonPayload.rows_out)");
    expect(metrics.rows?.label_extractors).toMatchObject({ layer: "EXTRACT(jsonPayload.layer)" });
    expect(String(metrics.hop_failures?.filter)).toContain("local.failed_delivery");
    for (const metric of Object.values(metrics)) {
      expect(JSON.stringify(metric)).not.toContain("batch_date");
    }
  });

  it("the dashboard file is JSON that only charts metrics this configuration defines", () => {
    const dashboard = resource(root, "google_monitoring_dashboard", "platform");
    const call = String(dashboard.dashboard_json);
    expect(call).toContain('templatefile("${path.module}/dashboards/winter-days.json"');
    const template = readFileSync(join(terraformDir, "dashboards", "winter-days.json"), "utf8");
    const placeholders = sorted(new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] ?? "")));
    const passed = sorted([...call.matchAll(/(\w+)\s*=/g)].map((m) => m[1] ?? ""));
    expect(placeholders.filter((p) => !passed.includes(p))).toEqual([]);
    const rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => `rendered-${name}`);
    const json = JSON.parse(rendered) as { mosaicLayout: { tiles: unknown[] } };
    expect(json.mosaicLayout.tiles.length).toBeGreaterThanOrEqual(6);
    const userMetrics = sorted(
      new Set([...rendered.matchAll(/logging\.googleapis\.com\/user\/([\w-]+)/g)].map((m) => m[1] ?? "")),
    );
    expect(userMetrics).toEqual(
      sorted([
        "rendered-batch_duration_metric",
        "rendered-rows_metric",
        "rendered-hop_failures_metric",
        "rendered-function_errors_metric",
      ]),
    );
  });
});

describe("wiring", () => {
  it("every reference to a variable, local, module, data source or resource resolves in its module", () => {
    const unresolved: string[] = [];
    for (const [path, m] of modules) {
      const declared = new Set<string>([
        ...Object.keys(m.variables).map((n) => `var.${n}`),
        ...Object.keys(m.locals).map((n) => `local.${n}`),
        ...Object.keys(m.modules).map((n) => `module.${n}`),
        ...Object.entries(m.data).flatMap(([type, named]) =>
          Object.keys(named).map((n) => `data.${type}.${n}`),
        ),
        ...Object.entries(m.resources).flatMap(([type, named]) =>
          Object.keys(named).map((n) => `${type}.${n}`),
        ),
      ]);
      const used = strings({
        r: m.resources,
        d: m.data,
        m: m.modules,
        l: m.locals,
        o: m.outputs,
        v: m.variables,
        p: m.providers,
      }).flatMap(references);
      for (const reference of new Set(used)) {
        if (!declared.has(reference)) unresolved.push(`${path}: ${reference}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it("every variable and local is used: no dead configuration", () => {
    const unused: string[] = [];
    for (const [path, m] of modules) {
      const used = new Set(
        strings({
          r: m.resources,
          d: m.data,
          m: m.modules,
          l: m.locals,
          o: m.outputs,
          v: m.variables,
          p: m.providers,
        }).flatMap(references),
      );
      for (const name of Object.keys(m.variables))
        if (!used.has(`var.${name}`)) unused.push(`${path}: var.${name}`);
      for (const name of Object.keys(m.locals))
        if (!used.has(`local.${name}`)) unused.push(`${path}: local.${name}`);
    }
    expect(unused).toEqual([]);
  });

  it("every module input is a declared variable of the module, and every required one is passed", () => {
    const call = root.modules.function ?? {};
    const passed = Object.keys(call).filter(
      (k) => !["source", "for_each", "depends_on", "count", "providers"].includes(k),
    );
    expect(passed.filter((name) => !(name in fn.variables))).toEqual([]);
    const required = Object.entries(fn.variables)
      .filter(([, body]) => !("default" in body))
      .map(([name]) => name);
    expect(required.filter((name) => !passed.includes(name))).toEqual([]);
  });

  it("functions get the environment lib/config.ts reads in gcp mode, and never the PII hash key", () => {
    const env = root.locals.function_env as Record<string, string>;
    for (const name of [
      "WINTER_DAYS_MODE",
      "GOOGLE_CLOUD_PROJECT",
      "WINTER_DAYS_PREFIX",
      "WINTER_DAYS_REGION",
      "WINTER_DAYS_LAKE_BUCKET",
      "WINTER_DAYS_DATAFORM_REPOSITORY",
    ]) {
      expect(env[name], name).toBeTypeOf("string");
    }
    expect(env.WINTER_DAYS_MODE).toBe("gcp");
    // Only Dataform reads the key, from winter_days_secure; no function is granted the secret.
    expect(env.WINTER_DAYS_PII_HASH_KEY).toBeUndefined();
    expect(root.modules.function?.secret_environment).toBeUndefined();
  });

  it("enables every API the resources use", () => {
    const apis = new Set(root.variables.apis?.default as string[]);
    for (const api of [
      "pubsub",
      "cloudfunctions",
      "run",
      "cloudbuild",
      "artifactregistry",
      "firestore",
      "bigquery",
      "dataform",
      "aiplatform",
      "workflows",
      "cloudscheduler",
      "secretmanager",
      "monitoring",
      "logging",
      "iam",
    ]) {
      expect(apis.has(`${api}.googleapis.com`), api).toBe(true);
    }
    const datasets = root.locals.datasets as Record<string, string>;
    expect(sorted(Object.values(datasets))).toEqual([
      "winter_days_assertions",
      "winter_days_staging",
      "winter_days_warehouse",
    ]);
  });
});
