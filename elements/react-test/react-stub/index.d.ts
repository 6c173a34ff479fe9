// A minimal stand-in for @types/react 19, for the type test only (Keyward does not depend on react).
// Where the element's types meet React's it has the real shape: `export =` of a namespace `React`
// whose `JSX` namespace holds IntrinsicElements (augmented by elements/react.d.ts), re-exported by
// jsx-runtime.d.ts, and `DetailedHTMLProps` = `ClassAttributes & HTMLAttributes`. No index
// signature on IntrinsicElements, as in the real one: an unknown tag is an error.
/* eslint-disable @typescript-eslint/no-empty-object-type -- the real declarations are empty interfaces that others extend */
export = React;
export as namespace React;

declare namespace React {
  type Key = string | number | bigint;
  interface ReactElement<P = unknown, T = unknown> {
    type: T;
    props: P;
    key: string | null;
  }
  type ReactNode = ReactElement | string | number | bigint | boolean | null | undefined | Iterable<ReactNode>;
  type JSXElementConstructor<P> = (props: P) => ReactNode;
  type ElementType = string | JSXElementConstructor<never>;

  interface RefObject<T> {
    current: T;
  }
  type RefCallback<T> = (instance: T | null) => void | (() => void);
  type Ref<T> = RefCallback<T> | RefObject<T | null> | null;
  function useRef<T>(initialValue: T | null): RefObject<T | null>;

  interface Attributes {
    key?: Key | null;
  }
  interface RefAttributes<T> extends Attributes {
    ref?: Ref<T>;
  }
  interface ClassAttributes<T> extends RefAttributes<T> {}

  interface SyntheticEvent<T = Element> {
    currentTarget: T;
    nativeEvent: Event;
  }
  interface DOMAttributes<T> {
    children?: ReactNode;
    onClick?: (event: SyntheticEvent<T>) => void;
  }
  interface CSSProperties {
    color?: string;
    display?: string;
  }
  interface HTMLAttributes<T> extends DOMAttributes<T> {
    className?: string;
    hidden?: boolean;
    id?: string;
    slot?: string;
    style?: CSSProperties;
    title?: string;
  }
  type DetailedHTMLProps<E extends HTMLAttributes<T>, T> = ClassAttributes<T> & E;

  namespace JSX {
    type ElementType = React.ElementType;
    interface Element extends React.ReactElement {}
    interface ElementClass {
      render(): ReactNode;
    }
    interface ElementAttributesProperty {
      props: unknown;
    }
    interface ElementChildrenAttribute {
      children: unknown;
    }
    type LibraryManagedAttributes<C, P> = C extends unknown ? P : never;
    interface IntrinsicAttributes extends React.Attributes {}
    interface IntrinsicClassAttributes<T> extends React.ClassAttributes<T> {}
    interface IntrinsicElements {
      div: DetailedHTMLProps<HTMLAttributes<HTMLDivElement>, HTMLDivElement>;
    }
  }
}
