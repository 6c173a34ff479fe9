// The stand-in's `react/jsx-runtime`, shaped like @types/react 19's: its JSX namespace extends
// React.JSX, so what elements/react.d.ts adds to React.JSX.IntrinsicElements reaches the compiler.
/* eslint-disable @typescript-eslint/no-empty-object-type -- as in the real declarations */
import * as React from './index';

export namespace JSX {
  type ElementType = React.JSX.ElementType;
  type Element = React.JSX.Element;
  interface ElementClass extends React.JSX.ElementClass {}
  interface ElementAttributesProperty extends React.JSX.ElementAttributesProperty {}
  interface ElementChildrenAttribute extends React.JSX.ElementChildrenAttribute {}
  type LibraryManagedAttributes<C, P> = React.JSX.LibraryManagedAttributes<C, P>;
  interface IntrinsicAttributes extends React.JSX.IntrinsicAttributes {}
  interface IntrinsicClassAttributes<T> extends React.JSX.IntrinsicClassAttributes<T> {}
  interface IntrinsicElements extends React.JSX.IntrinsicElements {}
}

export function jsx(type: React.ElementType, props: unknown, key?: React.Key): React.ReactElement;
export function jsxs(type: React.ElementType, props: unknown, key?: React.Key): React.ReactElement;
export const Fragment: unique symbol;
