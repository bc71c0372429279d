DROP TABLE user_notifications;
