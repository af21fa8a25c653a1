"""ScratchMLPRegressor: the scikit-learn regressor around the hand-written network.

The same network as the classifier's, with an identity output and the
squared error: its parameters, the validation of its numeric targets
(``_regression_targets.py``) and its predictions. Training, committing and
the outputs are shared with the classifier in ``_estimator.py``.
"""

from sklearn.utils.metaestimators import available_if

from sknnscratch._array_api import DeviceRegressorMixin, training_inputs
from sknnscratch._callbacks import with_callbacks
from sknnscratch._estimator import CALLER, BaseScratchMLP
from sknnscratch._regression_targets import (
    validate_regression_data,
    validate_regression_validation_data,
)


class ScratchMLPRegressor(DeviceRegressorMixin, BaseScratchMLP):
    r"""Multi-layer perceptron regressor with a hand-written numpy network.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`:
    the same parameters, with the same names, meanings and validation, and
    the same fitted attributes. The network is
    :class:`ScratchMLPClassifier`'s, with an identity output unit per
    target column and the squared error as the loss (see the derivation's
    section on regression); the optimisers, ``solver='auto'``, early
    stopping, warm starts, interrupts and persistence are the classifier's.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(8,)
        The ith element is the number of units in the ith hidden layer.
        MLPRegressor's default is ``(100,)``.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    solver : {'auto', 'lbfgs', 'sgd', 'adam'}, default='auto'
        The optimiser, as in :class:`ScratchMLPClassifier`: 'auto' chooses
        'lbfgs' for ``fit`` on small and medium problems and 'adam' for
        ``partial_fit``, with ``early_stopping=True`` or on larger ones; the
        choice is recorded in ``solver_``. MLPRegressor's default is 'adam'.

    alpha : float, default=1.0
        Strength of the L2 penalty: the objective is
        ``J = sum(s_i * loss_i) / S + alpha / (2 S) * sum ||W||^2`` with
        ``loss_i = sum_k (y_hat_ik - y_ik)^2 / 2``, ``s_i`` the sample
        weights and ``S`` their sum. The squared error grows with the
        square of the target's scale while the penalty does not: standardise
        the target (``TransformedTargetRegressor`` with ``StandardScaler``)
        so that one ``alpha`` means the same on every data set.
        MLPRegressor's default is 0.0001.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' means
        ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of ``solver='sgd'``.

    learning_rate_init : float, default=0.001
        The initial learning rate of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=3000
        Maximum number of epochs ('sgd', 'adam') or L-BFGS iterations.

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch ('sgd' and 'adam').

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling and the early-stopping split.

    tol : float, default=1e-4
        Tolerance of the stopping rules, as in :class:`ScratchMLPClassifier`.

    verbose : bool, default=False
        Whether to print a line after every iteration.

    warm_start : bool, default=False
        When True and the model is fitted, ``fit`` resumes training (weights,
        optimiser state, random stream), as in :class:`ScratchMLPClassifier`.

    momentum : float, default=0.9
        Momentum of 'sgd', in ``[0, 1]``.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether ``fit`` with 'sgd' or 'adam' holds out ``validation_fraction``
        of the training data and stops when its score (see ``scoring``) fails
        to improve by ``tol`` for ``n_iter_no_change`` epochs, restoring the
        best epoch's weights.

    validation_fraction : float, default=0.1
        Share of the training weight set aside for early stopping.

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimates, in ``[0, 1)``.

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimates, in ``[0, 1)``.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without improvement by ``tol`` before stopping.

    max_fun : int, default=15000
        Maximum number of objective evaluations of 'lbfgs'.

    scoring : str, callable or None, default=None
        What early stopping watches on the validation set: None for R^2
        (MLPRegressor's rule), 'loss' for minus the validation squared
        error, or any scikit-learn scorer name or callable. Higher is better.

    Attributes
    ----------
    loss_ : float
        The training objective (squared error plus L2 penalty) at the end of
        training; for 'sgd' and 'adam', the average over the last epoch.

    best_loss_ : float or None
        The lowest training objective reached; None with ``early_stopping``.

    loss_curve_ : list of float
        The training objective after each iteration.

    validation_scores_ : list of float or None
        The validation score after each epoch with ``early_stopping``.

    validation_loss_curve_ : list of float or None
        The validation squared error after each epoch with ``early_stopping``.

    best_validation_score_ : float or None
        The best validation score with ``early_stopping``, otherwise None.

    history_ : list of dict
        One dict per epoch (or L-BFGS iteration) since the last cold fit.

    t_ : int
        The number of training samples the solver has processed.

    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix from layer i to layer i + 1.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when they are all strings.

    n_iter_ : int
        The number of iterations the solver ran in the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs: the target's columns.

    out_activation_ : str
        The output function: 'identity'.

    solver_ : {'lbfgs', 'sgd', 'adam'}
        The solver the last call trained with.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : scikit-learn's MLP regressor.
    ScratchMLPClassifier : the same network for classification.

    Notes
    -----
    Training minimises

    .. math::

        J = \frac{1}{S} \sum_{i} s_i \, \frac{1}{2} \lVert \hat y_i - y_i \rVert^2
            + \frac{\alpha}{2 S} \sum_{l} \lVert W_l \rVert^2 ,

    whose output error is :math:`\partial J / \partial z = \hat y - y`
    (times :math:`s_i / S`), as for the classifier. With one target column
    this is MLPRegressor's loss; with several, MLPRegressor reports the
    mean over the columns but follows the gradient of this sum.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknnscratch import ScratchMLPRegressor
    >>> X, y = make_regression(n_samples=300, n_features=13, random_state=0)
    >>> model = make_pipeline(StandardScaler(), ScratchMLPRegressor(random_state=0))
    >>> model.fit(X, y / y.std()).score(X, y / y.std()) > 0.9
    True
    """

    _target_kind = "values"

    def __init__(
        self,
        hidden_layer_sizes=(8,),
        activation="relu",
        *,
        solver="auto",
        alpha=1.0,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=3000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        scoring=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.scoring = scoring

    @with_callbacks
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the network to the training data.

        With ``warm_start=True`` and a fitted model, training continues from
        the current weights and optimiser state; ``y`` must then have the
        target columns of the first fit. If ``fit`` raises, the estimator is
        left exactly as it was. A KeyboardInterrupt ends training after the
        last completed epoch or L-BFGS iteration, keeping that model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input. float32 input trains a float32 network.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each sample's loss counts in proportion.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set for early stopping instead of the
            ``validation_fraction`` split (needs ``y_val`` and
            ``early_stopping=True``).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            The targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the rows of ``X_val``.

        Returns
        -------
        self : ScratchMLPRegressor
            The fitted estimator.
        """
        self._validate_params()
        return self._train(
            X,
            y,
            sample_weight,
            incremental=False,
            validation=(X_val, y_val, sample_weight_val),
        )

    @available_if(BaseScratchMLP._is_stochastic)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch over the given data ('sgd' and 'adam' only).

        Continues from the current weights and optimiser state; all or
        nothing: if it raises, the estimator is left exactly as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values, with the columns of the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : ScratchMLPRegressor
            The updated estimator.
        """
        self._check_partial_fit_params()
        return self._train(X, y, sample_weight, incremental=True)

    def _is_fitted(self):
        return hasattr(self, "coefs_") and hasattr(self, "n_outputs_")

    def _train(
        self, X, y, sample_weight, *, incremental, validation=None, stacklevel=CALLER
    ):
        """Validate the call's data, then train on it (see ``_train_validated``)."""
        resume = self._is_fitted() and (incremental or self.warm_start)
        placement, X, y, sample_weight = training_inputs(X, y, sample_weight)
        validation = training_inputs(*(validation or (None, None, None)))[1:]
        data = validate_regression_data(
            self, X, y, sample_weight, n_outputs=self.n_outputs_ if resume else None
        )
        data.placement = placement
        validation_data = validate_regression_validation_data(self, data, *validation)
        return self._train_validated(
            data, validation_data, incremental=incremental, stacklevel=stacklevel
        )

    def _target_attributes(self, data):
        return {}

    def predict(self, X):
        """Predict the target values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values: 1-D for a model with one output, as
            MLPRegressor's.
        """
        Y = self._logits(X, "predict")
        return Y[:, 0] if Y.shape[1] == 1 else Y
