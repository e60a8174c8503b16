import { useEffect, useState } from "preact/hooks";
import { ApiProblem, toProblem } from "../api.js";
import { Button, TextField, textOf } from "../components/fields.js";
import { ProblemDetails } from "../components/problem-details.js";
import { clearApiKey, setApiKey, whoAmI, type Session } from "../session.js";

// Sign-in: an API key, kept for this tab only; or, where App Service Authentication fronts the
// engine, the organisation's sign-in (then GET /api/me answers without a key and this page is
// skipped).

const ORGANISATION_SIGN_IN = "/.auth/login/aad?post_login_redirect_uri=/console/";

export function SignInPage(props: { readonly notice?: string | undefined; readonly problem?: ApiProblem | undefined; readonly onSignedIn: (session: Session) => void }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | undefined>(props.problem);
  useEffect(() => {
    document.title = "Sign in · Privacy console";
  }, []);

  const submit = async (form: HTMLFormElement) => {
    if (busy) return;
    const key = textOf(new FormData(form), "apiKey");
    if (key === undefined) {
      setProblem(new ApiProblem({ status: 0, title: "Enter an API key", detail: "", reason: "missing-key", errors: [{ path: "apiKey", message: "is required" }] }));
      return;
    }
    setBusy(true);
    setProblem(undefined);
    setApiKey(key);
    try {
      const session = await whoAmI();
      if (session === undefined) {
        clearApiKey();
        setProblem(
          new ApiProblem({ status: 401, title: "Key not accepted", detail: "The engine did not accept this key. Check it and try again.", reason: "unauthenticated", errors: [{ path: "apiKey", message: "was not accepted" }] }),
        );
        return;
      }
      props.onSignedIn(session);
    } catch (thrown) {
      clearApiKey();
      setProblem(toProblem(thrown));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <div class="card sign-in-card">
        <h1>Privacy console</h1>
        <p class="lead">Sign in to work on data-subject requests.</p>
        {props.notice === undefined ? null : (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit(e.currentTarget);
          }}
        >
          <TextField
            label="API key"
            name="apiKey"
            type="password"
            required
            autoComplete="off"
            spellcheck={false}
            hint="Kept in this tab only, and removed when you sign out or close it."
            problem={problem}
          />
          <Button type="submit" variant="primary" busy={busy}>
            Sign in
          </Button>
        </form>
        <ProblemDetails problem={problem} />
        <div class="sign-in-alt">
          <h2>Signed in through your organisation?</h2>
          <p>
            Where the console is published behind your organisation's sign-in, it opens without a key. <a href={ORGANISATION_SIGN_IN}>Sign in with your organisation</a>
          </p>
        </div>
      </div>
    </main>
  );
}
