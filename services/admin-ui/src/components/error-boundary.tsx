import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Result } from 'antd';

/** Keeps one broken page from blanking the whole console; shows the error and logs it for the browser tests. */
export class ErrorBoundary extends Component<
  { title: string; children: ReactNode; resetKey: string },
  { error: Error | null; key: string }
> {
  override state: { error: Error | null; key: string } = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: { resetKey: string }, state: { error: Error | null; key: string }) {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('page crashed', error, info.componentStack);
  }

  override render() {
    if (this.state.error)
      return (
        <Result
          status="error"
          title={this.props.title}
          subTitle={this.state.error.message}
          data-testid="page-crashed"
        />
      );
    return this.props.children;
  }
}
