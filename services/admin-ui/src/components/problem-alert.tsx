import { Alert } from 'antd';
import { type ApiError, fieldErrorLines } from '../api/client';

/**
 * A refused request as the user reads it: the service's Chinese detail, then each field error after the label of the
 * form field it belongs to (`labelOf(path)`; 执法人员：… rather than investigators：…). Nothing when there is no error.
 */
export function ProblemAlert({
  error,
  labelOf = () => undefined,
  testId,
}: {
  error: ApiError | null;
  labelOf?: (path: string) => string | undefined;
  testId?: string;
}) {
  if (!error) return null;
  const lines = fieldErrorLines(error, labelOf);
  return (
    <Alert
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      data-testid={testId}
      message={error.detail}
      description={
        lines.length ? (
          <ul style={{ margin: 0, paddingInlineStart: 18 }}>
            {lines.map((line, i) => (
              <li key={i}>{line}</li>
            ))}
          </ul>
        ) : undefined
      }
    />
  );
}
