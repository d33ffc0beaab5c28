//! [`List`]: a list that holds a single element without allocating.
//!
//! Most lists in a server's answer hold one element: an address in `From:`,
//! a `charset` parameter, a disposition's `filename`. A `Vec` costs an
//! allocation and a free for each of them, which is a large part of
//! parsing a FETCH response; a `List` keeps one element inline and only
//! allocates from the second on. It derefs to a slice, so reading it is
//! the same as reading a `Vec`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};

/// A list that stores one element inline and more on the heap. Compares,
/// hashes and prints as the slice it holds (a `List` built from a
/// one-element `Vec` equals one built by [`List::one`]).
#[derive(Clone)]
pub struct List<T>(Repr<T>);

#[derive(Clone)]
enum Repr<T> {
    One(T),
    /// Empty (without allocating), or two or more elements.
    Many(Vec<T>),
}

impl<T> List<T> {
    /// An empty list.
    pub const fn new() -> Self {
        List(Repr::Many(Vec::new()))
    }

    /// A list of one element, not allocated.
    pub const fn one(v: T) -> Self {
        List(Repr::One(v))
    }

    /// Appends `v`.
    pub fn push(&mut self, v: T) {
        if let Repr::Many(vec) = &mut self.0 {
            if vec.capacity() == 0 {
                self.0 = Repr::One(v);
            } else {
                vec.push(v);
            }
            return;
        }
        let mut vec = Vec::with_capacity(4);
        if let Repr::One(first) = std::mem::replace(&mut self.0, Repr::Many(Vec::new())) {
            vec.push(first);
        }
        vec.push(v);
        self.0 = Repr::Many(vec);
    }

    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        match &self.0 {
            Repr::One(v) => std::slice::from_ref(v),
            Repr::Many(v) => v,
        }
    }

    /// The elements, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match &mut self.0 {
            Repr::One(v) => std::slice::from_mut(v),
            Repr::Many(v) => v,
        }
    }

    /// The elements as a `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        match self.0 {
            Repr::One(v) => vec![v],
            Repr::Many(v) => v,
        }
    }

    /// Each element passed through `f`, keeping a single one inline.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> List<U> {
        match self.0 {
            Repr::One(v) => List(Repr::One(f(v))),
            Repr::Many(v) => List(Repr::Many(v.into_iter().map(f).collect())),
        }
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List::new()
    }
}

impl<T> Deref for List<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(v: Vec<T>) -> Self {
        List(Repr::Many(v))
    }
}

impl<T, const N: usize> From<[T; N]> for List<T> {
    fn from(v: [T; N]) -> Self {
        v.into_iter().collect()
    }
}

impl<T> From<List<T>> for Vec<T> {
    fn from(v: List<T>) -> Self {
        v.into_vec()
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut iter = iter.into_iter();
        let Some(first) = iter.next() else {
            return List::new();
        };
        match iter.next() {
            None => List::one(first),
            Some(second) => {
                let mut v = Vec::with_capacity(iter.size_hint().0.saturating_add(2));
                v.push(first);
                v.push(second);
                v.extend(iter);
                List(Repr::Many(v))
            }
        }
    }
}

impl<T> Extend<T> for List<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.push(v);
        }
    }
}

/// The owning iterator of a [`List`].
#[derive(Debug)]
pub struct IntoIter<T>(IterRepr<T>);

#[derive(Debug)]
enum IterRepr<T> {
    One(Option<T>),
    Many(std::vec::IntoIter<T>),
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match &mut self.0 {
            IterRepr::One(v) => v.take(),
            IterRepr::Many(v) => v.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::One(v) => (usize::from(v.is_some()), Some(usize::from(v.is_some()))),
            IterRepr::Many(v) => v.size_hint(),
        }
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter(match self.0 {
            Repr::One(v) => IterRepr::One(Some(v)),
            Repr::Many(v) => IterRepr::Many(v.into_iter()),
        })
    }
}

impl<'l, T> IntoIterator for &'l List<T> {
    type Item = &'l T;
    type IntoIter = std::slice::Iter<'l, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T: fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: PartialEq> PartialEq for List<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for List<T> {}

impl<T: PartialEq> PartialEq<Vec<T>> for List<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Hash> Hash for List<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::List;

    #[test]
    fn push_keeps_order_and_compares_as_slice() {
        let mut l = List::new();
        assert!(l.is_empty());
        for n in 0..10 {
            l.push(n);
            assert_eq!(&l[..], &(0..=n).collect::<Vec<_>>()[..]);
        }
        assert_eq!(l, List::from((0..10).collect::<Vec<_>>()));
        assert_eq!(List::one(7), List::from(vec![7]));
        assert_ne!(List::one(7), List::from(vec![7, 7]));
        assert_eq!(l.clone().into_iter().collect::<Vec<_>>(), l.into_vec());
        let m: List<u8> = [1, 2].into();
        assert_eq!(format!("{m:?}"), "[1, 2]");
        assert_eq!(List::one(3).map(|x| x * 2), List::one(6));
        let mut one = List::one(1);
        one[0] = 5;
        assert_eq!(one.into_iter().collect::<Vec<_>>(), vec![5]);
    }
}
