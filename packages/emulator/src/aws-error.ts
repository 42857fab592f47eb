/**
 * An error answered the way the AWS service would: `code` is the shape name the SDK turns into an
 * exception class (`ValidationException`, `ResourceNotFound`, `NoSuchKey`...), `status` the HTTP status.
 */
export class AwsApiError extends Error {
  override name = "AwsApiError" as const;
  readonly code: string;
  readonly status: number;
  /** Extra members serialised next to the message (e.g. InvokeEndpoint's OriginalStatusCode). */
  readonly extra: Record<string, string | number>;
  /** Extra response headers (e.g. `x-amzn-ErrorType`). */
  readonly headers: Record<string, string>;

  constructor(
    code: string,
    message: string,
    status = 400,
    extra: Record<string, string | number> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.extra = extra;
    this.headers = headers;
  }
}
