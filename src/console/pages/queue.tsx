import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { engine, isAbort, toProblem, type ApiProblem } from "../api.js";
import { DeadlineBadge, StatusBadge } from "../components/badges.js";
import { Button, SelectField, TextField, textOf } from "../components/fields.js";
import { Link } from "../components/link.js";
import { Empty, Loading, PageHeader, TableWrap } from "../components/page.js";
import { ProblemDetails } from "../components/problem-details.js";
import { useConsole } from "../context.js";
import { daysLeft, daysLeftText, formatDate, isOpen, shortId, statusLabel, typeLabel } from "../format.js";
import { navigate, type Query } from "../router.js";
import {
  JURISDICTIONS,
  REQUEST_SORTS,
  REQUEST_STATUSES,
  REQUEST_TYPES,
  type Jurisdiction,
  type ListRequestsQuery,
  type RequestSort,
  type RequestStatus,
  type RequestType,
  type RequestView,
} from "../types.js";

// The queue: GET /api/requests, filtered by org, status, type, jurisdiction and due date and
// ordered (newest first, or most urgent first) by the server. The filters and the order live in
// the URL, so a filtered queue is a link. Pages come from the server's continuation token ("Load
// more").

const PAGE_SIZE = 25;

interface Filters {
  readonly orgId?: string;
  readonly status?: RequestStatus;
  readonly type?: RequestType;
  readonly dueBefore?: string;
  readonly jurisdiction?: Jurisdiction;
  readonly sort?: RequestSort;
}

const SORT_LABELS: Readonly<Record<RequestSort, string>> = { newest: "Newest first", due: "Most urgent first" };

function oneOf<T extends string>(values: readonly T[], value: string | undefined): T | undefined {
  return values.find((v) => v === value);
}

function filtersOf(query: Query): Filters {
  const status = oneOf(REQUEST_STATUSES, query.status);
  const type = oneOf(REQUEST_TYPES, query.type);
  const jurisdiction = oneOf(JURISDICTIONS, query.jurisdiction);
  const sort = oneOf(REQUEST_SORTS, query.sort);
  const dueBefore = query.dueBefore !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(query.dueBefore) ? query.dueBefore : undefined;
  return {
    ...(query.orgId === undefined || query.orgId === "" ? {} : { orgId: query.orgId }),
    ...(status === undefined ? {} : { status }),
    ...(type === undefined ? {} : { type }),
    ...(dueBefore === undefined ? {} : { dueBefore }),
    ...(jurisdiction === undefined ? {} : { jurisdiction }),
    // Newest first is the server's default: the URL names the order only when it is another.
    ...(sort === undefined || sort === "newest" ? {} : { sort }),
  };
}

export function QueuePage(props: { readonly query: Query }) {
  const { knownOrgs } = useConsole();
  const filters = useMemo(() => filtersOf(props.query), [props.query]);
  const filterKey = JSON.stringify(filters);
  const [items, setItems] = useState<readonly RequestView[]>([]);
  const [token, setToken] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined);
  const controller = useRef<AbortController | undefined>(undefined);

  const load = useCallback(
    async (continuationToken: string | undefined) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      const query: ListRequestsQuery = {
        limit: PAGE_SIZE,
        ...(filters.orgId === undefined ? {} : { orgId: filters.orgId }),
        ...(filters.status === undefined ? {} : { status: filters.status }),
        ...(filters.type === undefined ? {} : { type: filters.type }),
        ...(filters.jurisdiction === undefined ? {} : { jurisdiction: filters.jurisdiction }),
        ...(filters.dueBefore === undefined ? {} : { dueBefore: filters.dueBefore }),
        ...(filters.sort === undefined ? {} : { sort: filters.sort }),
        ...(continuationToken === undefined ? {} : { continuationToken }),
      };
      if (continuationToken === undefined) setLoading(true);
      else setMore(true);
      setProblem(undefined);
      try {
        const page = await engine.listRequests(query, abort.signal);
        if (abort.signal.aborted) return;
        setItems((current) => (continuationToken === undefined ? page.items : [...current, ...page.items]));
        setToken(page.continuationToken);
      } catch (thrown) {
        if (isAbort(thrown) || abort.signal.aborted) return;
        setProblem(toProblem(thrown));
      } finally {
        if (!abort.signal.aborted) {
          setLoading(false);
          setMore(false);
        }
      }
    },
    // filterKey names everything sent to the server but the page's token.
    [filterKey],
  );

  useEffect(() => {
    setItems([]);
    setToken(undefined);
    void load(undefined);
    return () => controller.current?.abort();
  }, [load]);

  const orgOptions = [...new Set([...knownOrgs, ...(filters.orgId === undefined ? [] : [filters.orgId])])].sort();
  const order = SORT_LABELS[filters.sort ?? "newest"].toLowerCase();

  return (
    <>
      <PageHeader title="Queue" lead={`Data-subject requests, ${order}.`} />
      <form
        key={filterKey}
        class="filters card"
        aria-label="Filter requests"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          navigate("/", {
            orgId: textOf(data, "orgId"),
            status: textOf(data, "status"),
            type: textOf(data, "type"),
            jurisdiction: textOf(data, "jurisdiction"),
            dueBefore: textOf(data, "dueBefore"),
            sort: textOf(data, "sort") === "due" ? "due" : undefined,
          });
        }}
      >
        {orgOptions.length > 0 ? (
          <SelectField
            label="Organisation"
            name="orgId"
            defaultValue={filters.orgId ?? ""}
            options={[{ value: "", label: "All organisations" }, ...orgOptions.map((o) => ({ value: o, label: o }))]}
          />
        ) : (
          <TextField label="Organisation" name="orgId" defaultValue={filters.orgId ?? ""} spellcheck={false} />
        )}
        <SelectField
          label="Status"
          name="status"
          defaultValue={filters.status ?? ""}
          options={[{ value: "", label: "Any status" }, ...REQUEST_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))]}
        />
        <SelectField
          label="Type"
          name="type"
          defaultValue={filters.type ?? ""}
          options={[{ value: "", label: "Any type" }, ...REQUEST_TYPES.map((t) => ({ value: t, label: typeLabel(t) }))]}
        />
        <SelectField
          label="Jurisdiction"
          name="jurisdiction"
          defaultValue={filters.jurisdiction ?? ""}
          options={[{ value: "", label: "Any jurisdiction" }, ...JURISDICTIONS.map((j) => ({ value: j, label: j }))]}
        />
        <TextField label="Due before" name="dueBefore" type="date" defaultValue={filters.dueBefore ?? ""} />
        <SelectField label="Sort" name="sort" defaultValue={filters.sort ?? "newest"} options={REQUEST_SORTS.map((s) => ({ value: s, label: SORT_LABELS[s] }))} />
        <div class="form-actions">
          <Button type="submit" variant="primary">
            Apply filters
          </Button>
          <Button
            onClick={() => {
              // The order is not a filter: it stays.
              navigate("/", { sort: filters.sort });
            }}
          >
            Clear filters
          </Button>
        </div>
      </form>
      <ProblemDetails problem={problem} heading="The requests could not be loaded" />
      {loading ? (
        <Loading label="Loading requests…" />
      ) : (
        <QueueTable items={items} order={order} />
      )}
      <div class="table-footer">
        <p class="muted" role="status">
          {loading ? "" : `Showing ${items.length} ${items.length === 1 ? "request" : "requests"}${token === undefined ? "" : "; more on the server"}.`}
        </p>
        {token !== undefined && !loading ? (
          <Button busy={more} onClick={() => void load(token)}>
            {more ? "Loading…" : "Load more"}
          </Button>
        ) : null}
      </div>
    </>
  );
}

function QueueTable(props: { readonly items: readonly RequestView[]; readonly order: string }) {
  if (props.items.length === 0) return <Empty>No requests match these filters.</Empty>;
  const now = new Date();
  return (
    <TableWrap label="Requests">
      <table>
        <caption class="visually-hidden">Requests, {props.order}</caption>
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Organisation</th>
            <th scope="col">Jurisdiction</th>
            <th scope="col">Status</th>
            <th scope="col">Received</th>
            <th scope="col">Due</th>
            <th scope="col" class="num">
              Days left
            </th>
            <th scope="col">Deadline</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((r) => {
            const open = isOpen(r.status);
            const days = daysLeft(r, now);
            return (
              <tr key={r.id}>
                <td>
                  <Link to={`/requests/${r.id}`}>
                    {typeLabel(r.type)} <span class="mono muted">{shortId(r.id)}</span>
                  </Link>
                </td>
                <td class="mono">{r.orgId}</td>
                <td>{r.jurisdiction}</td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td class="nowrap">{formatDate(r.receivedAt)}</td>
                <td class="nowrap">
                  {r.extendedDueAt === undefined ? (
                    formatDate(r.dueAt)
                  ) : (
                    <>
                      {formatDate(r.extendedDueAt)} <span class="muted">(extended from {formatDate(r.dueAt)})</span>
                    </>
                  )}
                </td>
                <td class="num nowrap">{open ? daysLeftText(days) : "—"}</td>
                <td>
                  <DeadlineBadge state={r.deadlineState} {...(open ? { days } : { closed: true })} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
