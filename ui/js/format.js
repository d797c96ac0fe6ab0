// Words for what the Task API says in codes.

export const STATES = ["waiting", "downloading", "paused", "finished", "failed", "cancelled"];

const ERRORS = {
  invalid_uri: "The address cannot be read or its scheme is not supported.",
  download_source_exception: "The source exists but could not be downloaded.",
  no_such_download_source: "The source does not exist (or a magnet link's metadata never came).",
  internal_error: "Something broke on the server.",
  not_implemented: "The server does not do this yet.",
  checksum_mismatch: "The downloaded file does not match the expected digest, so nothing was stored.",
  size_mismatch: "The downloaded file does not have the expected size, so nothing was stored.",
  key_exists: "The object key exists already and the rule forbids overwriting it.",
  invalid_argument: "The request was not valid.",
  unauthenticated: "The credentials are missing or wrong.",
  forbidden: "This is not allowed for this account.",
  not_found: "Something the task needs does not exist.",
  quota_exceeded: "A limit of the account was reached.",
  too_large: "The file is larger than allowed.",
  invalid_state: "The task cannot do that in its state.",
  blocked_address: "The address is refused by the server's network policy.",
  aborted: "The task was stopped.",
  insufficient_storage: "The server has no room left for the data.",
};

/** The error of a failed task, in words. */
export function error_words(err) {
  if (!err) return "";
  const what = ERRORS[err.code] || err.code || "The task failed.";
  return err.message && err.message !== what ? what + " " + err.message : what;
}

export function can_pause(state) {
  return state === "waiting" || state === "downloading";
}

export function can_resume(state) {
  return state === "paused" || state === "failed";
}

export function title_of(t) {
  return t.title || t.file_name || t.key || t.url || t.tid;
}
